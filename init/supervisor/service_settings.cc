#include "init/supervisor/service_settings.h"

#include <utility>

#include "init/system/main_process_keys.h"
#include "init/system/standard_io_keys.h"

namespace faultinit {
namespace {

const SpawnExtras& DefaultExtras() {
  static const SpawnExtras* const defaults = new SpawnExtras();
  return *defaults;
}

void AddSteps(const std::vector<ExecLine>& lines, ServiceSettings& s) {
  for (const ExecLine& line : lines) s.steps.push_back(StepCommand::Of(line));
}

}  // namespace

StepCommand StepCommand::Of(const ExecLine& line) {
  StepCommand step;
  size_t size = 0;
  for (const std::string& word : line.words) size += word.size() + 1;
  // Made at its size: growing a string past 15 bytes doubles its capacity.
  std::string words(size, '\0');
  size_t at = 0;
  for (const std::string& word : line.words) {
    words.replace(at, word.size(), word);
    at += word.size() + 1;
  }
  step.words = std::move(words);
  step.ignore_failure = line.ignore_failure;
  step.argv0_given = line.argv0_given;
  step.expand_variables = line.expand_variables;
  step.privileges = line.privileges;
  return step;
}

ExecLine StepCommand::Line() const {
  ExecLine line;
  for (size_t start = 0; start < words.size();) {
    const size_t end = words.find('\0', start);
    line.words.push_back(words.substr(start, end - start));
    start = end + 1;
  }
  line.ignore_failure = ignore_failure;
  line.argv0_given = argv0_given;
  line.expand_variables = expand_variables;
  line.privileges = privileges;
  return line;
}

bool operator==(const SpawnExtras& a, const SpawnExtras& b) {
  if (a.environment_files.size() != b.environment_files.size()) return false;
  for (size_t i = 0; i < a.environment_files.size(); ++i) {
    const EnvironmentFileRef& x = a.environment_files[i];
    const EnvironmentFileRef& y = b.environment_files[i];
    if (x.path != y.path || x.optional != y.optional) return false;
  }
  return a.user == b.user && a.group == b.group &&
         a.working_directory == b.working_directory &&
         a.environment == b.environment && a.pid_file == b.pid_file &&
         a.standard_output == b.standard_output &&
         a.standard_error == b.standard_error && a.privileges == b.privileges &&
         a.permissions_start_only == b.permissions_start_only && a.io == b.io;
}

bool SpawnExtras::AllDefault() const {
  return *this == DefaultExtras() && conditions.empty() &&
         directories.empty() && attributes.empty() &&
         exec_environment.supplementary_groups.empty() &&
         exec_environment.pass_environment.empty() &&
         exec_environment.unset_environment.empty() && limits.empty();
}

const SpawnExtras& ServiceSettings::extras() const {
  return more ? *more : DefaultExtras();
}

const StepCommand& ServiceSettings::Step(StepKind kind, int index) const {
  switch (kind) {
    case StepKind::kPre:
      return steps[index];
    case StepKind::kMain:
      return steps[pre_steps + index];
    case StepKind::kStop:
      return steps[pre_steps + main_steps + index];
    case StepKind::kPost:
      return steps[pre_steps + main_steps + stop_steps + index];
    case StepKind::kReload:
      return steps[pre_steps + main_steps + stop_steps + post_steps + index];
    case StepKind::kStopPost:
      return steps[pre_steps + main_steps + stop_steps + post_steps +
                   reload_steps + index];
    case StepKind::kCondition:
      return steps[steps.size() - condition_steps + index];
  }
  return steps[pre_steps + index];
}

ServiceSettings SettingsOf(const Unit& unit) {
  ServiceSettings s;
  // Copied into a new string, which is made at its size (assigned into an
  // empty one, it would take twice the short-string capacity).
  s.description = std::string(unit.description);
  s.steps.reserve(unit.exec_start_pre.size() + unit.exec_start.size() +
                  unit.exec_stop.size() + unit.exec_start_post.size() +
                  unit.exec_reload.size() + unit.exec_stop_post.size() +
                  unit.exec_condition.size());
  AddSteps(unit.exec_start_pre, s);
  AddSteps(unit.exec_start, s);
  AddSteps(unit.exec_stop, s);
  AddSteps(unit.exec_start_post, s);
  AddSteps(unit.exec_reload, s);
  AddSteps(unit.exec_stop_post, s);
  AddSteps(unit.exec_condition, s);
  s.stop_steps = static_cast<uint16_t>(unit.exec_stop.size());
  s.post_steps = static_cast<uint16_t>(unit.exec_start_post.size());
  s.reload_steps = static_cast<uint16_t>(unit.exec_reload.size());
  s.condition_steps = static_cast<uint32_t>(unit.exec_condition.size());
  s.pre_steps = static_cast<uint32_t>(unit.exec_start_pre.size());
  s.main_steps = static_cast<uint32_t>(unit.exec_start.size());
  s.notification_fd = unit.notification_fd;
  s.umask = unit.umask;
  s.kill_mode = unit.kill_mode;
  s.working_directory_optional = unit.working_directory_optional;
  s.notify_access = EffectiveNotifyAccess(unit.notify_access, unit.type);

  SpawnExtras extras;
  extras.user = unit.user;
  extras.group = unit.group;
  extras.working_directory = unit.working_directory;
  extras.environment = unit.environment;
  extras.environment_files = unit.environment_files;
  extras.pid_file = unit.pid_file;
  extras.standard_output = EffectiveStandardOutput(unit);
  extras.standard_error = unit.standard_error;
  // StandardError=inherit of a terminal is the terminal, opened by the
  // child (exec_context.h): resolved here, as no descriptor stands for it.
  if (extras.standard_output.kind == OutputTarget::Kind::kTty &&
      extras.standard_error.kind == OutputTarget::Kind::kInherit) {
    extras.standard_error = extras.standard_output;
  }
  extras.io = unit.io;
  extras.conditions = unit.conditions;
  extras.directories = unit.directories;
  extras.attributes = unit.attributes;
  extras.exec_environment = unit.exec_environment;
  extras.limits = unit.limits;
  extras.privileges = unit.privileges;
  extras.permissions_start_only = unit.permissions_start_only;
  if (!extras.AllDefault()) {
    s.more = std::make_unique<const SpawnExtras>(std::move(extras));
  }
  return s;
}

}  // namespace faultinit
