// File: tests/unit_tree_fixture.h
//
// UnitTreeTest: ControlledUnitTest over systemd's layout instead of one
// unit directory: `dir_` holds the search directories etc/ (`etc_`) and
// lib/ (`lib_`), highest precedence first. File and Link write the tree;
// Boot gives the options that run `faultinit -v --units-path ETC:LIB` as
// PID 1 of a PID namespace, Start launches them with the control socket
// (and `more` arguments) and waits for every one of `lines` on stderr.

#ifndef FAULT_TESTS_UNIT_TREE_FIXTURE_H_
#define FAULT_TESTS_UNIT_TREE_FIXTURE_H_

#include <string>
#include <vector>

#include "tests/harness.h"

namespace faultinit::testing {

class UnitTreeTest : public ControlledUnitTest {
 protected:
  void SetUp() override;
  // File writes `text` at `name` (relative to `dir_`, with a directory
  // part), making that directory.
  void File(const std::string& name, const std::string& text);
  // Link makes the symbolic link `name` (as for File) to `target`.
  void Link(const std::string& target, const std::string& name);
  // "ETC:LIB", for --units-path.
  std::string UnitsPath() const;
  LaunchOptions Boot() const;
  void Start(const std::vector<std::string>& lines,
             const std::vector<std::string>& more = {});

  std::string etc_, lib_;
};

}  // namespace faultinit::testing

#endif  // FAULT_TESTS_UNIT_TREE_FIXTURE_H_
