// File: init/system/testing/unit_tree.h
//
// Tree: a test's own directory of unit files with the search directories
// "etc" and "lib" (highest precedence first), plus helpers that write unit
// text and read back what a layout loaded. Test-only: the tree's root is
// $TEST_TMPDIR/<suite>-<test> (or under /tmp without TEST_TMPDIR); nothing
// removes it.

#ifndef FAULT_INIT_SYSTEM_TESTING_UNIT_TREE_H_
#define FAULT_INIT_SYSTEM_TESTING_UNIT_TREE_H_

#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "init/system/unit.h"

namespace faultinit::testing {

class Tree {
 public:
  // Makes the root, etc/ and lib/.
  Tree();

  // {root/etc, root/lib}: a search path for LoadUnitLayout.
  std::vector<std::string> SearchPath() const;
  // The root joined with the relative `name`.
  std::string Path(absl::string_view name) const;
  // Makes `name` (relative, '/'-separated) and its parents under the root;
  // directories that exist already are kept.
  void MakeDirs(absl::string_view name) const;
  // Writes `text` to the file `name` (relative, with a directory part),
  // making its directory; a failure is a test failure.
  void Write(absl::string_view name, absl::string_view text) const;
  // Makes the symbolic link `name` (relative, with a directory part) to
  // `target`, making its directory; a failure is a test failure.
  void Link(absl::string_view target, absl::string_view name) const;

 private:
  std::string root_;
};

// The text of a service unit running `exec`, with `more` in its [Unit].
std::string Service(absl::string_view exec, absl::string_view more = "");

// The words of `unit`'s ExecStart= lines, a line's words joined by spaces
// and lines by "; "; "<no unit>" for nullptr.
std::string Words(const ParsedUnit* unit);

// The names of the units that are not targets (a layout also holds
// systemd's standard targets, built in), in order, joined by spaces.
std::string UnitNames(const std::vector<ParsedUnit>& units);

// The names in `names` that are not targets, in order.
std::vector<std::string> NotTargets(const std::vector<std::string>& names);

}  // namespace faultinit::testing

#endif  // FAULT_INIT_SYSTEM_TESTING_UNIT_TREE_H_
