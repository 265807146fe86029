// File: init/system/process_attribute_keys.h
//
// The unit-file keys of a service's scheduling attributes
// (fault::ProcessAttributes, runtime/process_attributes.h, applied in the
// child before exec), as a UnitKey table for unit.cc's Parser, each with
// systemd's meaning (man systemd.exec, "Scheduling"):
//
//   Nice=                     -20 to 19
//   OOMScoreAdjust=           -1000 to 1000
//   IOSchedulingClass=        realtime, best-effort, idle, none (the
//                             default, best-effort), or 0 to 3
//   IOSchedulingPriority=     0 (highest) to 7; default 4
//   CPUSchedulingPolicy=      other, batch, idle, fifo, rr; the priority is
//                             brought into the policy's range (fifo and
//                             rr 1 to 99, the others 0), as systemd does
//   CPUSchedulingPriority=    0 to 99 (the kernel refuses at the start a
//                             value outside the policy's range)
//   CPUSchedulingResetOnFork= a boolean
//   CPUAffinity=              CPU numbers and ranges ("0 2-3", "0,1"), 0
//                             to 8191; assignments add up; systemd's
//                             "numa" is an error (no NUMAPolicy=)
//
// An empty value resets the key (IOScheduling*: both; CPUScheduling*:
// the policy and the priority) to inheriting from faultinit. Pure.

#ifndef FAULT_INIT_SYSTEM_PROCESS_ATTRIBUTE_KEYS_H_
#define FAULT_INIT_SYSTEM_PROCESS_ATTRIBUTE_KEYS_H_

#include "init/system/unit_keys.h"

namespace faultinit {

UnitKeyTable ProcessAttributeKeys();

}  // namespace faultinit

#endif  // FAULT_INIT_SYSTEM_PROCESS_ATTRIBUTE_KEYS_H_
