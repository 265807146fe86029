// File: runtime/descriptor_table.h
//
// The size of a process's descriptor table, for a loop over every
// descriptor that may be open where the kernel has no close_range(2): the
// soft RLIMIT_NOFILE may be a million (PID 1's is fs.nr_open), the table
// only as large as the highest descriptor ever open needed.

#ifndef FAULT_RUNTIME_DESCRIPTOR_TABLE_H_
#define FAULT_RUNTIME_DESCRIPTOR_TABLE_H_

#include <sys/resource.h>

namespace fault {

// DescriptorTableSize: the calling process's descriptor table's size, the
// "FDSize:" of /proc/self/status (every open descriptor is below it); 0
// when /proc cannot tell. Async-signal-safe (open, read and close, a stack
// buffer, no allocation): for the child between fork and exec.
rlim_t DescriptorTableSize();

}  // namespace fault

#endif  // FAULT_RUNTIME_DESCRIPTOR_TABLE_H_
