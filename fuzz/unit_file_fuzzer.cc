// Fuzzes the unit-file parser with whole files: ParseUnit, then the checks
// across units (LinkUnits, StartOrder, the --check report) and the
// run-time expansion of every parsed command line.
//
// The input is parsed three times, as a.service, b.service and c@i.service
// (so %n %N %p %i differ, and an After=b c or Requires=a in the text makes
// edges, self-references and cycles between the three), then linked.
//
// Properties: every diagnostic is one printable line with a line number
// inside the file; parsing stops after kMaxErrorsPerFile errors; a unit
// without errors has an ExecStart= whose commands all have an executable;
// the start order lists each unit without errors once. The input is
// parsed once more as d.socket: a socket unit without errors has
// [Socket] settings with a Listen*= address (socket_keys.h), each AF_UNIX
// path fitting sockaddr_un.

#include <cstddef>
#include <cstdint>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "fuzz/check.h"
#include "init/system/exec_command.h"
#include "init/system/socket_keys.h"
#include "init/system/unit.h"
#include "init/system/unit_directory.h"

namespace faultinit {
namespace {

constexpr char kDirectory[] = "/etc/faultinit/services";

void CheckDiagnostic(const Diagnostic& d, int lines) {
  FUZZ_CHECK(!d.message.empty());
  for (char c : d.message) {
    const unsigned char b = static_cast<unsigned char>(c);
    FUZZ_CHECK(b >= 0x20 && b < 0x7f);
  }
  FUZZ_CHECK(d.line >= 0 && d.line <= lines);
}

void CheckExec(const std::vector<ExecLine>& lines, const Unit& unit) {
  for (const ExecLine& line : lines) {
    FUZZ_CHECK(!line.words.empty());
    FUZZ_CHECK(!line.words[0].empty());
    FUZZ_CHECK(!line.argv0_given || line.words.size() >= 2);
    Command command = ExpandExecLine(line, unit.environment);
    FUZZ_CHECK(command.executable == line.words[0]);
    FUZZ_CHECK(!command.argv.empty());
  }
}

ParsedUnit ParseOne(absl::string_view file, absl::string_view text, int lines) {
  ParsedUnit parsed =
      ParseUnit(std::string(kDirectory) + "/" + std::string(file), text);
  int errors = 0;
  for (const Diagnostic& d : parsed.diagnostics) {
    CheckDiagnostic(d, lines);
    if (d.severity == Severity::kError) ++errors;
  }
  // The error that says "too many errors" is the one after the limit.
  FUZZ_CHECK(errors <= kMaxErrorsPerFile + 1);
  if (parsed.ok()) {
    FUZZ_CHECK(!parsed.unit.exec_start.empty());
    FUZZ_CHECK(parsed.unit.exec_start.size() == 1 ||
               parsed.unit.type == ServiceType::kOneshot);
  }
  CheckExec(parsed.unit.exec_condition, parsed.unit);
  CheckExec(parsed.unit.exec_start_pre, parsed.unit);
  CheckExec(parsed.unit.exec_start, parsed.unit);
  CheckExec(parsed.unit.exec_stop, parsed.unit);
  // Every condition kept has a value, without its prefixes.
  for (const Condition& c : parsed.unit.conditions) {
    FUZZ_CHECK(!c.parameter.empty());
    FUZZ_CHECK(c.parameter[0] != '|');
  }
  return parsed;
}

}  // namespace
}  // namespace faultinit

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace faultinit;
  const absl::string_view text(reinterpret_cast<const char*>(data), size);
  int lines = 1;
  for (char c : text) lines += c == '\n';

  std::vector<ParsedUnit> units;
  for (const char* file : {"a.service", "b.service", "c@i.service"}) {
    units.push_back(ParseOne(file, text, lines));
  }
  const LoadedUnits loaded = LinkUnits(kDirectory, std::move(units));
  FUZZ_CHECK(loaded.units.size() == 3);
  std::set<std::string> good;
  for (const ParsedUnit& unit : loaded.units) {
    for (const Diagnostic& d : unit.diagnostics) CheckDiagnostic(d, lines);
    if (unit.ok()) good.insert(unit.unit.name);
  }
  const std::vector<std::string> order = StartOrder(loaded);
  FUZZ_CHECK(order.size() == good.size());
  FUZZ_CHECK(std::set<std::string>(order.begin(), order.end()) == good);
  const CheckReport report = RenderCheckReport(loaded);
  FUZZ_CHECK(report.has_errors == loaded.has_errors());

  const ParsedUnit socket =
      ParseUnit(std::string(kDirectory) + "/d.socket", text);
  for (const Diagnostic& d : socket.diagnostics) CheckDiagnostic(d, lines);
  if (socket.ok()) {
    FUZZ_CHECK(socket.unit.socket != nullptr);
    FUZZ_CHECK(!socket.unit.socket->listen.empty());
    for (const SocketAddress& a : socket.unit.socket->listen) {
      FUZZ_CHECK(a.family != AF_UNIX ||
                 (!a.path.empty() && a.path.size() < 108));
    }
    FUZZ_CHECK(!SocketServiceName(socket.unit).empty());
  }
  return 0;
}
