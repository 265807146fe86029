// File: init/system/exec_directory_keys.h
//
// The unit-file keys of the directories systemd makes for a service
// (exec_directories.h), as a UnitKey table for unit.cc's Parser:
//
//   RuntimeDirectory=, StateDirectory=, CacheDirectory=, LogsDirectory=,
//   ConfigurationDirectory=
//       whitespace-separated names (quotes allowed), each a relative path
//       of one or more components; several assignments add up, an empty
//       one resets the list. As systemd: an absolute name, a ".."
//       component, a first component "private", or a control byte is an
//       error; "./a//b/" is simplified to "a/b" (and "." alone is an
//       error: no name).
//       systemd's NAME:LINK form (a symbolic link to the directory) is an
//       error: faultinit does not make the link.
//   RuntimeDirectoryMode=, StateDirectoryMode=, CacheDirectoryMode=,
//   LogsDirectoryMode=, ConfigurationDirectoryMode=
//       octal, 0 to 07777; default (and empty) 0755.
//   RuntimeDirectoryPreserve=
//       no (default), yes or restart; a boolean word (true, on, 1...) is
//       yes, a false one no, as systemd reads it.
//
// Pure; thread-safe.

#ifndef FAULT_INIT_SYSTEM_EXEC_DIRECTORY_KEYS_H_
#define FAULT_INIT_SYSTEM_EXEC_DIRECTORY_KEYS_H_

#include "init/system/unit_keys.h"

namespace faultinit {

UnitKeyTable ExecDirectoryKeys();

}  // namespace faultinit

#endif  // FAULT_INIT_SYSTEM_EXEC_DIRECTORY_KEYS_H_
