#include "init/supervisor/service_settings.h"

#include <cstring>
#include <initializer_list>
#include <utility>

#include "init/system/main_process_keys.h"
#include "init/system/standard_io_keys.h"

namespace faultinit {
namespace {

const SpawnExtras& DefaultExtras() {
  static const SpawnExtras* const defaults = new SpawnExtras();
  return *defaults;
}

const RareSpawnExtras& DefaultRare() {
  static const RareSpawnExtras* const defaults = new RareSpawnExtras();
  return *defaults;
}

// The text block (ServiceSettings::text): the description's size and
// text, the count of lines, then per line a flags byte, the size of its
// words and the words. Sizes and the count are varints (7 bits a byte, the
// low ones first, the top bit set on all but the last): one byte each
// below 128, which is what a unit's are.
constexpr uint8_t kIgnoreFailure = 1;
constexpr uint8_t kArgv0Given = 2;
constexpr uint8_t kExpandVariables = 4;
constexpr int kPrivilegesShift = 3;  // ExecPrivileges: 2 bits

size_t VarintBytes(size_t n) {
  size_t bytes = 1;
  for (; n >= 128; n >>= 7) ++bytes;
  return bytes;
}

char* PutVarint(char* at, size_t n) {
  for (; n >= 128; n >>= 7) *at++ = static_cast<char>((n & 127) | 128);
  *at++ = static_cast<char>(n);
  return at;
}

const char* GetVarint(const char* at, size_t* n) {
  size_t value = 0;
  int shift = 0;
  uint8_t byte;
  do {
    byte = static_cast<uint8_t>(*at++);
    value |= static_cast<size_t>(byte & 127) << shift;
    shift += 7;
  } while ((byte & 128) != 0);
  *n = value;
  return at;
}

// Encodes `description` and every line of `lists`, in order, into one
// block (null when there is neither).
std::unique_ptr<const char[]> EncodeText(
    absl::string_view description,
    std::initializer_list<const std::vector<ExecLine>*> lists) {
  std::vector<StepCommand> steps;
  for (const std::vector<ExecLine>* lines : lists) {
    for (const ExecLine& line : *lines) steps.push_back(StepCommand::Of(line));
  }
  if (steps.empty() && description.empty()) return nullptr;
  size_t size = VarintBytes(description.size()) + description.size() +
                VarintBytes(steps.size());
  for (const StepCommand& step : steps) {
    size += 1 + VarintBytes(step.words.size()) + step.words.size();
  }
  std::unique_ptr<char[]> block(new char[size]);
  char* at = PutVarint(block.get(), description.size());
  memcpy(at, description.data(), description.size());
  at = PutVarint(at + description.size(), steps.size());
  for (const StepCommand& step : steps) {
    *at++ = static_cast<char>(
        (step.ignore_failure ? kIgnoreFailure : 0) |
        (step.argv0_given ? kArgv0Given : 0) |
        (step.expand_variables ? kExpandVariables : 0) |
        (static_cast<uint8_t>(step.privileges) << kPrivilegesShift));
    at = PutVarint(at, step.words.size());
    memcpy(at, step.words.data(), step.words.size());
    at += step.words.size();
  }
  return block;
}

// Where the count of lines is, in `s`'s text block (not null).
const char* StepsOf(const ServiceSettings& s) {
  size_t size;
  const char* at = GetVarint(s.text.get(), &size);
  return at + size;
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
  const RareSpawnExtras& ra = a.rare();
  const RareSpawnExtras& rb = b.rare();
  return a.user == b.user && a.group == b.group &&
         a.working_directory == b.working_directory &&
         a.environment == b.environment && a.pid_file == b.pid_file &&
         a.standard_output == b.standard_output &&
         a.standard_error == b.standard_error &&
         ra.privileges == rb.privileges &&
         ra.permissions_start_only == rb.permissions_start_only &&
         ra.non_blocking == rb.non_blocking && ra.io == rb.io;
}

bool RareSpawnExtras::AllDefault() const {
  const RareSpawnExtras& d = DefaultRare();
  return io == d.io && privileges == d.privileges &&
         permissions_start_only == d.permissions_start_only &&
         non_blocking == d.non_blocking && directories.empty() &&
         attributes.empty() && exec_environment.supplementary_groups.empty() &&
         exec_environment.pass_environment.empty() &&
         exec_environment.unset_environment.empty() && limits.empty();
}

const RareSpawnExtras& SpawnExtras::rare() const {
  return more ? *more : DefaultRare();
}

bool SpawnExtras::AllDefault() const {
  return *this == DefaultExtras() && conditions.empty() && rare().AllDefault();
}

const SpawnExtras& ServiceSettings::extras() const {
  return more ? *more : DefaultExtras();
}

absl::string_view ServiceSettings::description() const {
  if (!text) return {};
  size_t size;
  const char* at = GetVarint(text.get(), &size);
  return absl::string_view(at, size);
}

size_t ServiceSettings::step_count() const {
  if (!text) return 0;
  size_t count;
  GetVarint(StepsOf(*this), &count);
  return count;
}

StepCommand ServiceSettings::Step(StepKind kind, int index) const {
  size_t first = 0;  // the kind's first line, in the block's order
  switch (kind) {
    case StepKind::kPre:
      break;
    case StepKind::kMain:
      first = pre_steps;
      break;
    case StepKind::kStop:
      first = pre_steps + main_steps;
      break;
    case StepKind::kPost:
      first = pre_steps + main_steps + stop_steps;
      break;
    case StepKind::kReload:
      first = pre_steps + main_steps + stop_steps + post_steps;
      break;
    case StepKind::kStopPost:
      first = pre_steps + main_steps + stop_steps + post_steps + reload_steps;
      break;
    case StepKind::kCondition:
      first = step_count() - condition_steps;
      break;
  }
  size_t count, size;
  const char* at = GetVarint(StepsOf(*this), &count);
  for (size_t i = first + static_cast<size_t>(index); i > 0; --i) {
    at = GetVarint(at + 1, &size);
    at += size;
  }
  const uint8_t flags = static_cast<uint8_t>(*at);
  at = GetVarint(at + 1, &size);
  StepCommand step;
  step.words.assign(at, size);
  step.ignore_failure = (flags & kIgnoreFailure) != 0;
  step.argv0_given = (flags & kArgv0Given) != 0;
  step.expand_variables = (flags & kExpandVariables) != 0;
  step.privileges = static_cast<ExecPrivileges>(flags >> kPrivilegesShift);
  return step;
}

ServiceSettings SettingsOf(const Unit& unit) {
  ServiceSettings s;
  s.text = EncodeText(unit.description,
                      {&unit.exec_start_pre, &unit.exec_start, &unit.exec_stop,
                       &unit.exec_start_post, &unit.exec_reload,
                       &unit.exec_stop_post, &unit.exec_condition});
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
  extras.conditions = unit.conditions;
  RareSpawnExtras rare;
  rare.io = unit.io;
  rare.directories = unit.directories;
  rare.attributes = unit.attributes;
  rare.exec_environment = unit.exec_environment;
  rare.limits = unit.limits;
  rare.privileges = unit.privileges;
  rare.permissions_start_only = unit.permissions_start_only;
  rare.non_blocking = unit.non_blocking;
  if (!rare.AllDefault()) {
    extras.more = std::make_unique<const RareSpawnExtras>(std::move(rare));
  }
  if (!extras.AllDefault()) {
    s.more = std::make_unique<const SpawnExtras>(std::move(extras));
  }
  return s;
}

}  // namespace faultinit
