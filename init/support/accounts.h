// File: init/support/accounts.h
//
// ResolveCredentials: what a service's `User=` and `Group=` mean, found by
// reading `/etc/passwd` and `/etc/group` directly. faultinit is a static
// glibc binary, which cannot load NSS modules (getpwnam would find nothing
// or crash), and a board may have no NSS at all; so the files are parsed
// here, the way their format (passwd(5), group(5)) defines them.
//
// What is resolved:
//   - `user`: a name, or a decimal uid. A name must be in passwd. A number
//     is looked up by uid in passwd (for its name, home, shell and primary
//     group) but need not be there: an unlisted uid runs with gid = the
//     group if given, else the same number, and no supplementary groups.
//   - `group`: empty (the user's primary group), a name (must be in
//     /etc/group) or a decimal gid (need not be listed).
//   - Supplementary groups: the resulting gid first, then every group whose
//     member list names the user, in file order, without duplicates (what
//     initgroups(3) would set).
//   - `root` / `0` resolve even when passwd lacks them (or is missing), to
//     uid 0, gid 0, home /root, shell /bin/sh; likewise group `root`. A
//     board without /etc/passwd can still run `User=root`.
//
// Bad input never crashes: a malformed line (wrong field count, a uid or
// gid that is not a decimal number, an empty name, NIS `+`/`-` entries,
// comments) is skipped; a file larger than kMaxAccountFileBytes, or one
// that is not a regular file (a FIFO would block), is an error. Numbers
// must be plain decimal ("12abc" is a name) below 4294967295: (uid_t)-1
// means "unchanged" to setuid(2), so it is refused (a passwd line with it is
// skipped). At most NGROUPS_MAX (65536) supplementary groups are kept, as
// setgroups(2) accepts no more.
//
// Errors: kInvalidArgument for an empty or invalid user/group; kNotFound
// "unknown user \"x\" (not in /etc/passwd)", naming the file actually read
// (under `root`); the open/read errno otherwise ("unable to read
// /etc/passwd: ..."); kResourceExhausted for an oversized file.
//
// Thread-compatible (no shared state); allocates and reads files, so call it
// in the parent before fork, never between fork and exec. Reads local files
// with blocking reads (a regular file's reads do not wait on other
// processes).

#ifndef FAULT_INIT_SUPPORT_ACCOUNTS_H_
#define FAULT_INIT_SUPPORT_ACCOUNTS_H_

#include <sys/types.h>

#include <cstddef>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "runtime/status.h"

namespace faultinit {

// kMaxAccountFileBytes bounds what ResolveCredentials reads of one file.
inline constexpr size_t kMaxAccountFileBytes = 4 * 1024 * 1024;

// Credentials: whom a service runs as.
struct Credentials {
  uid_t uid = 0;
  gid_t gid = 0;
  // For setgroups(2): `gid` first, then the groups listing `name` as a
  // member. Empty for a numeric user that passwd does not list.
  std::vector<gid_t> supplementary;
  std::string home;   // passwd's home; "/" for an unlisted numeric user
  std::string name;   // passwd's name; the decimal uid when unlisted
  std::string shell;  // passwd's shell; empty when unlisted
};

// ResolveCredentials resolves `user` and `group` (see the file comment)
// against `root`/etc/passwd and `root`/etc/group. `root` is "/" on a running
// system; tests and `--check` on a build host pass an image's root.
fault::StatusOr<Credentials> ResolveCredentials(absl::string_view user,
                                                absl::string_view group,
                                                absl::string_view root = "/");

// ResolveGroups resolves each of `groups` (a name in `root`/etc/group, or a
// decimal gid, which need not be listed; `root` resolves when unlisted)
// to its gid, in order (SupplementaryGroups=). Errors: kInvalidArgument
// for an empty or out-of-range one; kNotFound "unknown group \"x\" (not
// in /etc/group)"; the file's errors as for ResolveCredentials.
fault::StatusOr<std::vector<gid_t>> ResolveGroups(
    const std::vector<std::string>& groups, absl::string_view root = "/");

}  // namespace faultinit

#endif  // FAULT_INIT_SUPPORT_ACCOUNTS_H_
