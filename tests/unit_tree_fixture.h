// File: tests/unit_tree_fixture.h
//
// UnitFilesTest: ControlledUnitTest over systemd's layout instead of one
// unit directory of NAME.service files: the units are files and links
// under `dir_`, which is the one search directory (UnitsPath; a derived
// fixture may name others). File, Link and Enable write the tree; Boot
// gives the options that run `faultinit -v --units-path UnitsPath()` as
// PID 1 of a PID namespace, Start launches them with the control socket
// (and `more` arguments) and waits for every one of `lines` on stderr.
//
// UnitTreeTest: UnitFilesTest whose search directories are etc/ (`etc_`)
// and lib/ (`lib_`) under `dir_`, highest precedence first.

#ifndef FAULT_TESTS_UNIT_TREE_FIXTURE_H_
#define FAULT_TESTS_UNIT_TREE_FIXTURE_H_

#include <string>
#include <vector>

#include "tests/harness.h"

namespace faultinit::testing {

class UnitFilesTest : public ControlledUnitTest {
 protected:
  // File writes `text` at `name` (relative to `dir_`, with or without a
  // directory part), making that directory.
  void File(const std::string& name, const std::string& text);
  // Link makes the symbolic link `name` (as for File) to `target`.
  void Link(const std::string& target, const std::string& name);
  // Enable links `unit`, a file in `dir_`, into TARGET.wants/ there (by
  // its absolute path), as `systemctl enable` does.
  void Enable(const std::string& target, const std::string& unit);
  // For --units-path: `dir_`.
  virtual std::string UnitsPath() const;
  LaunchOptions Boot() const;
  void Start(const std::vector<std::string>& lines,
             const std::vector<std::string>& more = {});
};

class UnitTreeTest : public UnitFilesTest {
 protected:
  void SetUp() override;
  // "ETC:LIB".
  std::string UnitsPath() const override;

  std::string etc_, lib_;
};

}  // namespace faultinit::testing

#endif  // FAULT_TESTS_UNIT_TREE_FIXTURE_H_
