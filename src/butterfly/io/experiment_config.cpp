// The experiment config: reads TOML with toml++, applies overrides, checks the
// schema below and prints the effective config back (see experiment_config.hpp).
#include "butterfly/io/experiment_config.hpp"

#include <fmt/format.h>
#include <toml++/toml.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <map>
#include <optional>
#include <sstream>
#include <string_view>
#include <tuple>

#include "butterfly/core/error.hpp"

namespace butterfly {

namespace {

// ---- the schema -------------------------------------------------------------

enum class Kind { kNumber, kCount, kSeed, kBoolean, kText, kNumbers };

// One key of the schema and the member it fills; exactly one pointer is set.
struct KeySpec {
  std::string_view section;
  std::string_view key;
  Kind kind;
  double ExperimentConfig::*number = nullptr;
  std::size_t ExperimentConfig::*count = nullptr;
  std::uint64_t ExperimentConfig::*seed = nullptr;
  bool ExperimentConfig::*boolean = nullptr;
  std::string ExperimentConfig::*text = nullptr;
  std::vector<double> ExperimentConfig::*numbers = nullptr;
};

constexpr KeySpec number_key(std::string_view s, std::string_view k, double ExperimentConfig::*m) {
  return {s, k, Kind::kNumber, m, nullptr, nullptr, nullptr, nullptr, nullptr};
}
constexpr KeySpec count_key(std::string_view s, std::string_view k,
                            std::size_t ExperimentConfig::*m) {
  return {s, k, Kind::kCount, nullptr, m, nullptr, nullptr, nullptr, nullptr};
}
constexpr KeySpec seed_key(std::string_view s, std::string_view k,
                           std::uint64_t ExperimentConfig::*m) {
  return {s, k, Kind::kSeed, nullptr, nullptr, m, nullptr, nullptr, nullptr};
}
constexpr KeySpec boolean_key(std::string_view s, std::string_view k, bool ExperimentConfig::*m) {
  return {s, k, Kind::kBoolean, nullptr, nullptr, nullptr, m, nullptr, nullptr};
}
constexpr KeySpec text_key(std::string_view s, std::string_view k,
                           std::string ExperimentConfig::*m) {
  return {s, k, Kind::kText, nullptr, nullptr, nullptr, nullptr, m, nullptr};
}
constexpr KeySpec numbers_key(std::string_view s, std::string_view k,
                              std::vector<double> ExperimentConfig::*m) {
  return {s, k, Kind::kNumbers, nullptr, nullptr, nullptr, nullptr, nullptr, m};
}

constexpr std::array<std::string_view, 8> kSections = {
    "system", "run", "ensemble", "perturbation", "model", "parameters", "integrator", "output"};

// Keys of a [parameters.NAME] table; "law" is text, "values" a list of numbers.
constexpr std::array<std::string_view, 9> kParameterLawKeys = {
    "law", "value", "mean", "sd", "low", "high", "median", "sigma_log", "values"};

// Every fixed key, in the order the effective config prints them. [system]
// also takes any numeric key: the system's parameters.
constexpr std::array kKeys = {
    text_key("system", "name", &ExperimentConfig::system),
    number_key("run", "spinup", &ExperimentConfig::spinup),
    number_key("run", "length", &ExperimentConfig::length),
    seed_key("run", "seed", &ExperimentConfig::seed),
    count_key("run", "block_size", &ExperimentConfig::block_size),
    number_key("run", "checkpoint_every", &ExperimentConfig::checkpoint_every),
    text_key("run", "checkpoint", &ExperimentConfig::checkpoint),
    count_key("ensemble", "members", &ExperimentConfig::members),
    count_key("ensemble", "starts", &ExperimentConfig::starts),
    number_key("ensemble", "start_interval", &ExperimentConfig::start_interval),
    text_key("ensemble", "initial", &ExperimentConfig::initial),
    text_key("perturbation", "kind", &ExperimentConfig::perturbation),
    number_key("perturbation", "amplitude", &ExperimentConfig::amplitude),
    boolean_key("perturbation", "pairs", &ExperimentConfig::pairs),
    number_key("perturbation", "length_scale", &ExperimentConfig::length_scale),
    count_key("perturbation", "vectors", &ExperimentConfig::vectors),
    count_key("perturbation", "cycles", &ExperimentConfig::cycles),
    number_key("perturbation", "cycle_length", &ExperimentConfig::cycle_length),
    number_key("perturbation", "optimisation_time", &ExperimentConfig::optimisation_time),
    number_key("model", "sppt_sigma", &ExperimentConfig::sppt_sigma),
    number_key("model", "sppt_tau", &ExperimentConfig::sppt_tau),
    number_key("model", "sppt_length", &ExperimentConfig::sppt_length),
    boolean_key("model", "sppt_truth", &ExperimentConfig::sppt_truth),
    text_key("integrator", "scheme", &ExperimentConfig::scheme),
    number_key("integrator", "dt", &ExperimentConfig::dt),
    number_key("integrator", "rtol", &ExperimentConfig::rtol),
    number_key("integrator", "atol", &ExperimentConfig::atol),
    number_key("output", "every", &ExperimentConfig::every),
    count_key("output", "members_saved", &ExperimentConfig::members_saved),
    boolean_key("output", "extremes", &ExperimentConfig::extremes),
    numbers_key("output", "thresholds", &ExperimentConfig::thresholds),
    boolean_key("output", "rank_histogram", &ExperimentConfig::rank_histogram),
};

constexpr std::array<std::string_view, 5> kPerturbationKinds = {"gaussian", "gaussian_correlated",
                                                                "bred", "singular", "lyapunov"};
// Relative tolerance for "an integer multiple of".
constexpr double kMultipleTolerance = 1e-9;

const KeySpec* find_key(std::string_view section, std::string_view key) {
  for (const KeySpec& spec : kKeys) {
    if (spec.section == section && spec.key == key) return &spec;
  }
  return nullptr;
}

bool is_section(std::string_view name) {
  return std::find(kSections.begin(), kSections.end(), name) != kSections.end();
}

std::string section_keys(std::string_view section) {
  std::string keys;
  for (const KeySpec& spec : kKeys) {
    if (spec.section != section) continue;
    if (!keys.empty()) keys += ", ";
    keys += spec.key;
  }
  return keys;
}

template <std::size_t N>
std::string join(const std::array<std::string_view, N>& names) {
  std::string joined;
  for (const std::string_view name : names) {
    if (!joined.empty()) joined += ", ";
    joined += name;
  }
  return joined;
}

// ---- printing TOML ------------------------------------------------------------

std::string quote(std::string_view text) {
  std::string quoted = "\"";
  for (const char c : text) {
    switch (c) {
      case '"':
        quoted += "\\\"";
        break;
      case '\\':
        quoted += "\\\\";
        break;
      case '\b':
        quoted += "\\b";
        break;
      case '\t':
        quoted += "\\t";
        break;
      case '\n':
        quoted += "\\n";
        break;
      case '\f':
        quoted += "\\f";
        break;
      case '\r':
        quoted += "\\r";
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) {
          quoted += fmt::format("\\u{:04X}", static_cast<unsigned char>(c));
        } else {
          quoted += c;
        }
    }
  }
  return quoted + "\"";
}

// A key TOML accepts unquoted: letters, digits, '_' and '-'.
bool is_bare_key(std::string_view key) {
  return !key.empty() && std::all_of(key.begin(), key.end(), [](char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' ||
           c == '-';
  });
}

std::string format_key(std::string_view key) {
  return is_bare_key(key) ? std::string(key) : quote(key);
}

// The shortest text that parses back to exactly `value`, always a TOML float.
std::string format_number(double value) {
  std::string text = fmt::format("{}", value);
  if (text.find_first_of(".eni") == std::string::npos) text += ".0";
  return text;
}

// "string \"ten\"", "integer 5", "table", ... for "got ..." in messages.
std::string describe(const toml::node& node) {
  if (const auto* s = node.as_string()) return "string " + quote(s->get());
  if (const auto* i = node.as_integer()) return fmt::format("integer {}", i->get());
  if (const auto* f = node.as_floating_point()) return "float " + format_number(f->get());
  if (const auto* b = node.as_boolean()) return b->get() ? "boolean true" : "boolean false";
  if (node.is_table()) return "a table";
  if (node.is_array()) return "an array";
  std::ostringstream text;
  if (const auto* d = node.as_date()) text << "date " << *d;
  if (const auto* t = node.as_time()) text << "time " << *t;
  if (const auto* dt = node.as_date_time()) text << "date-time " << *dt;
  return text.str();
}

// ---- reading ------------------------------------------------------------------

std::string read_file(const std::string& path) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) {
    throw UsageError(fmt::format("{}: cannot read config file ({})", path, std::strerror(EISDIR)));
  }
  std::FILE* file = std::fopen(path.c_str(), "rb");
  if (file == nullptr) {
    throw UsageError(fmt::format("{}: cannot read config file ({})", path, std::strerror(errno)));
  }
  std::string content;
  std::array<char, 4096> buffer;
  std::size_t n = 0;
  while ((n = std::fread(buffer.data(), 1, buffer.size(), file)) > 0)
    content.append(buffer.data(), n);
  const bool failed = std::ferror(file) != 0;
  const int error = errno;
  std::fclose(file);
  if (failed) {
    throw UsageError(fmt::format("{}: cannot read config file ({})", path, std::strerror(error)));
  }
  return content;
}

toml::table parse_toml(const std::string& content, const std::string& source) {
  try {
    return toml::parse(std::string_view(content), std::string_view(source));
  } catch (const toml::parse_error& error) {
    throw UsageError(fmt::format("{}:{}:{}: {}", source, error.source().begin.line,
                                 error.source().begin.column, error.description()));
  }
}

std::string_view trim(std::string_view text) {
  const auto first = text.find_first_not_of(" \t");
  if (first == std::string_view::npos) return {};
  const auto last = text.find_last_not_of(" \t");
  return text.substr(first, last - first + 1);
}

// Reads the settings out of a parsed document, remembering where each value
// came from so that messages can name the file or the override.
class Loader {
 public:
  explicit Loader(std::string source) : source_(std::move(source)) {}

  void load_file(const std::string& path) { doc_ = parse_toml(read_file(path), source_); }

  // Applies one "section.key=value" override.
  void apply_override(const std::string& override_text) {
    const std::string where = fmt::format("override '{}'", override_text);
    const auto eq = override_text.find('=');
    const std::string_view name =
        trim(std::string_view(override_text).substr(0, std::min(eq, override_text.size())));
    const auto dot = name.find('.');
    if (eq != std::string::npos && dot != std::string_view::npos &&
        name.substr(0, dot) == "parameters") {
      apply_parameter_override(where, name.substr(dot + 1),
                               std::string(trim(std::string_view(override_text).substr(eq + 1))));
      return;
    }
    if (eq == std::string::npos || dot == std::string_view::npos ||
        !is_bare_key(name.substr(0, dot)) || !is_bare_key(name.substr(dot + 1))) {
      throw UsageError(where + ": expected section.key=value, e.g. integrator.dt=0.005");
    }
    const std::string section(name.substr(0, dot));
    const std::string key(name.substr(dot + 1));
    const std::string raw(trim(std::string_view(override_text).substr(eq + 1)));
    if (!is_section(section)) fail_unknown_section(where, section);
    const KeySpec* spec = find_key(section, key);
    if (spec == nullptr && section != "system") fail_unknown_key(where, section, key);

    toml::node* existing = doc_.get(section);
    if (existing == nullptr) {
      doc_.insert_or_assign(section, toml::table{});
      existing = doc_.get(section);
    }
    toml::table* table = existing->as_table();
    if (table == nullptr) {
      throw UsageError(fmt::format("{}: {} must be a table [{}], got {}", source_, section, section,
                                   describe(*existing)));
    }
    if (section == "system" && key != "name" && !table->contains(key)) {
      parameter_order_.push_back(key);
    }
    set_value(*table, key, raw, spec != nullptr && spec->kind == Kind::kText);
    origin_[section + "." + key] = where;
  }

  // Checks names and types and fills `config`; then checks the values.
  ExperimentConfig finish() {
    check_names();
    ExperimentConfig config;
    config.source = source_;
    for (const KeySpec& spec : kKeys) read_key(spec, config);
    read_parameters(config);
    read_parameter_laws(config);
    check_values(config);
    config.text = experiment_config_to_toml(config);
    return config;
  }

  // The file's [system] parameters in file order; overrides append to it.
  void record_parameter_order() {
    const toml::table* system = doc_["system"].as_table();
    if (system == nullptr) return;
    std::vector<std::tuple<toml::source_index, toml::source_index, std::string>> found;
    for (const auto& [key, node] : *system) {
      if (key.str() == "name") continue;
      found.emplace_back(node.source().begin.line, node.source().begin.column, key.str());
    }
    std::sort(found.begin(), found.end());
    for (const auto& entry : found) parameter_order_.push_back(std::get<2>(entry));
  }

 private:
  // "parameters.NAME.KEY=value": a key of one parameter's law table.
  void apply_parameter_override(const std::string& where, std::string_view rest,
                                const std::string& raw) {
    const auto dot = rest.find('.');
    if (dot == std::string_view::npos || !is_bare_key(rest.substr(0, dot)) ||
        !is_bare_key(rest.substr(dot + 1))) {
      throw UsageError(where +
                       ": expected parameters.NAME.KEY=value, e.g. "
                       "parameters.forcing.law=normal");
    }
    const std::string parameter(rest.substr(0, dot)), key(rest.substr(dot + 1));
    if (std::find(kParameterLawKeys.begin(), kParameterLawKeys.end(), key) ==
        kParameterLawKeys.end()) {
      throw UsageError(fmt::format("{}: unknown key parameters.{}.{}; expected one of {}", where,
                                   parameter, key, join(kParameterLawKeys)));
    }
    if (doc_.get("parameters") == nullptr) doc_.insert_or_assign("parameters", toml::table{});
    toml::table* parameters = doc_.get("parameters")->as_table();
    if (parameters == nullptr) {
      throw UsageError(fmt::format("{}: parameters must be a table [parameters]", source_));
    }
    if (parameters->get(parameter) == nullptr) {
      parameters->insert_or_assign(parameter, toml::table{});
    }
    toml::table* table = parameters->get(parameter)->as_table();
    if (table == nullptr) {
      throw UsageError(fmt::format("{}: parameters.{} must be a table [parameters.{}]", source_,
                                   parameter, parameter));
    }
    set_value(*table, key, raw, key == "law");
    origin_["parameters." + parameter + "." + key] = where;
  }

  // The [parameters.NAME] tables, in name order.
  void read_parameter_laws(ExperimentConfig& config) const {
    const toml::table* parameters = doc_["parameters"].as_table();
    if (parameters == nullptr) return;
    for (const auto& [name, node] : *parameters) {
      const std::string prefix = "parameters." + std::string(name.str());
      const toml::table* table = node.as_table();
      if (table == nullptr) {
        fail(prefix, "must be a table [" + prefix + "] with a law, got " + describe(node));
      }
      ParameterLawConfig law;
      law.parameter = std::string(name.str());
      for (const auto& [key_node, value] : *table) {
        const std::string key(key_node.str());
        const std::string dotted = prefix + "." + key;
        if (std::find(kParameterLawKeys.begin(), kParameterLawKeys.end(), key) ==
            kParameterLawKeys.end()) {
          fail(dotted,
               "is not a key of a parameter law; expected one of " + join(kParameterLawKeys));
        }
        if (key == "law") {
          if (!value.is_string()) fail(dotted, "must be a string, got " + describe(value));
          law.law = value.as_string()->get();
        } else if (key == "values") {
          const toml::array* list = value.as_array();
          if (list == nullptr || list->empty()) {
            fail(dotted, "must be a non-empty list of numbers, got " + describe(value));
          }
          for (const toml::node& item : *list) law.values.push_back(read_number(dotted, item));
        } else {
          law.numbers.emplace_back(key, read_number(dotted, value));
        }
      }
      if (law.law.empty()) {
        fail(prefix + ".law", "is missing: one of point, normal, uniform, lognormal, list");
      }
      config.parameter_laws.push_back(std::move(law));
    }
  }

  // Where `dotted_key`'s value came from: the override that set it, or the file.
  const std::string& where(const std::string& dotted_key) const {
    const auto it = origin_.find(dotted_key);
    return it != origin_.end() ? it->second : source_;
  }

  [[noreturn]] void fail(const std::string& dotted_key, const std::string& what) const {
    throw UsageError(fmt::format("{}: {} {}", where(dotted_key), dotted_key, what));
  }

  [[noreturn]] static void fail_unknown_section(const std::string& where,
                                                const std::string& section) {
    throw UsageError(fmt::format("{}: unknown section [{}]; expected one of {}", where, section,
                                 join(kSections)));
  }

  [[noreturn]] static void fail_unknown_key(const std::string& where, const std::string& section,
                                            const std::string& key) {
    throw UsageError(fmt::format("{}: unknown key {}.{}; expected one of {}", where, section, key,
                                 section_keys(section)));
  }

  // Parses `raw` as a TOML value (a string if it is none, or if the key holds
  // text and the value is not a TOML string) and stores it under `key`.
  static void set_value(toml::table& table, const std::string& key, const std::string& raw,
                        bool text_key) {
    std::optional<toml::table> parsed;
    try {
      parsed = toml::parse("v = " + raw);
    } catch (const toml::parse_error&) {
      parsed.reset();
    }
    toml::node* value = parsed && parsed->size() == 1 ? parsed->get("v") : nullptr;
    if (value == nullptr || (text_key && !value->is_string())) {
      table.insert_or_assign(key, raw);
    } else {
      table.insert_or_assign(key, std::move(*value));
    }
  }

  void check_names() const {
    for (const auto& [name, node] : doc_) {
      const std::string section(name.str());
      if (!is_section(section)) fail_unknown_section(source_, section);
      const toml::table* table = node.as_table();
      if (table == nullptr) {
        throw UsageError(fmt::format("{}: {} must be a table [{}], got {}", source_, section,
                                     section, describe(node)));
      }
      if (section == "system") continue;      // any key: the system's parameters
      if (section == "parameters") continue;  // tables, checked by read_parameter_laws
      for (const auto& [key, value] : *table) {
        if (find_key(section, key.str()) == nullptr) {
          fail_unknown_key(where(section + "." + std::string(key.str())), section,
                           std::string(key.str()));
        }
      }
    }
  }

  double read_number(const std::string& dotted_key, const toml::node& node) const {
    double value = 0.0;
    if (const auto* f = node.as_floating_point()) {
      value = f->get();
    } else if (const auto* i = node.as_integer()) {
      value = static_cast<double>(i->get());
    } else {
      fail(dotted_key, "must be a number, got " + describe(node));
    }
    if (!std::isfinite(value)) fail(dotted_key, "must be a finite number, got " + describe(node));
    return value;
  }

  std::int64_t read_non_negative_integer(const std::string& dotted_key,
                                         const toml::node& node) const {
    const auto* i = node.as_integer();
    if (i == nullptr) fail(dotted_key, "must be an integer, got " + describe(node));
    if (i->get() < 0) fail(dotted_key, fmt::format("must be >= 0, got {}", i->get()));
    return i->get();
  }

  void read_key(const KeySpec& spec, ExperimentConfig& config) const {
    const toml::node* node = doc_[spec.section][spec.key].node();
    if (node == nullptr) return;  // the default stays
    const std::string dotted_key = fmt::format("{}.{}", spec.section, spec.key);
    switch (spec.kind) {
      case Kind::kNumber:
        config.*spec.number = read_number(dotted_key, *node);
        break;
      case Kind::kCount:
        config.*spec.count = static_cast<std::size_t>(read_non_negative_integer(dotted_key, *node));
        break;
      case Kind::kSeed:
        config.*spec.seed =
            static_cast<std::uint64_t>(read_non_negative_integer(dotted_key, *node));
        break;
      case Kind::kBoolean:
        if (!node->is_boolean()) fail(dotted_key, "must be true or false, got " + describe(*node));
        config.*spec.boolean = node->as_boolean()->get();
        break;
      case Kind::kText:
        if (!node->is_string()) fail(dotted_key, "must be a string, got " + describe(*node));
        config.*spec.text = node->as_string()->get();
        break;
      case Kind::kNumbers: {
        const toml::array* list = node->as_array();
        if (list == nullptr) fail(dotted_key, "must be a list of numbers, got " + describe(*node));
        (config.*spec.numbers).clear();
        for (const toml::node& item : *list) {
          (config.*spec.numbers).push_back(read_number(dotted_key, item));
        }
        break;
      }
    }
  }

  void read_parameters(ExperimentConfig& config) const {
    const toml::table* system = doc_["system"].as_table();
    if (system == nullptr) return;
    for (const std::string& key : parameter_order_) {
      const toml::node* node = system->get(key);
      config.system_parameters.emplace_back(key, read_number("system." + key, *node));
    }
  }

  void check_values(const ExperimentConfig& c) const {
    const auto need = [this](bool ok, const std::string& dotted_key, const std::string& what) {
      if (!ok) fail(dotted_key, what);
    };
    const auto multiple = [](double x, double unit) {
      const double n = std::round(x / unit);
      return n >= 1.0 && std::abs(x - n * unit) <= kMultipleTolerance * x;
    };
    need(c.spinup >= 0, "run.spinup", fmt::format("must be >= 0, got {}", c.spinup));
    need(c.length > 0, "run.length", fmt::format("must be > 0, got {}", c.length));
    need(c.block_size >= 1, "run.block_size", fmt::format("must be >= 1, got {}", c.block_size));
    need(c.checkpoint_every >= 0, "run.checkpoint_every",
         fmt::format("must be >= 0 (0: never), got {}", c.checkpoint_every));
    need(c.checkpoint_every == 0 || multiple(c.checkpoint_every, c.every), "run.checkpoint_every",
         fmt::format("must be an integer multiple of output.every = {}, got {}", c.every,
                     c.checkpoint_every));
    need(c.members >= 2, "ensemble.members", fmt::format("must be >= 2, got {}", c.members));
    need(c.starts >= 1, "ensemble.starts", fmt::format("must be >= 1, got {}", c.starts));
    need(c.starts == 1 || c.start_interval > 0, "ensemble.start_interval",
         fmt::format("must be > 0 when ensemble.starts > 1, got {}", c.start_interval));
    need(std::find(kPerturbationKinds.begin(), kPerturbationKinds.end(), c.perturbation) !=
             kPerturbationKinds.end(),
         "perturbation.kind",
         fmt::format("must be one of {}, got {}", join(kPerturbationKinds), quote(c.perturbation)));
    need(c.amplitude >= 0, "perturbation.amplitude",
         fmt::format("must be >= 0, got {}", c.amplitude));
    need(!c.pairs || c.members % 2 == 0, "perturbation.pairs",
         fmt::format("needs an even ensemble.members, got {}", c.members));
    need(c.length_scale >= 0 && std::isfinite(c.length_scale), "perturbation.length_scale",
         fmt::format("must be >= 0, got {}", c.length_scale));
    need(c.perturbation != "gaussian_correlated" || c.length_scale > 0, "perturbation.length_scale",
         "must be > 0 for perturbation.kind = \"gaussian_correlated\"");
    need(c.vectors >= 1, "perturbation.vectors", fmt::format("must be >= 1, got {}", c.vectors));
    need(c.cycles >= 1, "perturbation.cycles", fmt::format("must be >= 1, got {}", c.cycles));
    need(c.cycle_length >= 0, "perturbation.cycle_length",
         fmt::format("must be >= 0, got {}", c.cycle_length));
    need(c.optimisation_time >= 0, "perturbation.optimisation_time",
         fmt::format("must be >= 0, got {}", c.optimisation_time));
    need(
        c.sppt_sigma >= 0 && c.sppt_sigma <= 1, "model.sppt_sigma",
        fmt::format("must be in [0, 1] (the pattern is clipped to [-1, 1]), got {}", c.sppt_sigma));
    need(c.sppt_sigma == 0 || c.sppt_tau > 0, "model.sppt_tau",
         fmt::format("must be > 0 when model.sppt_sigma > 0, got {}", c.sppt_tau));
    need(c.sppt_length >= 0, "model.sppt_length",
         fmt::format("must be >= 0, got {}", c.sppt_length));
    // The scheme's name is checked where schemes are known (make_stepper); an
    // unset dt (0) is the system's default, so only a given dt must be > 0.
    need(c.dt > 0 || doc_["integrator"]["dt"].node() == nullptr, "integrator.dt",
         fmt::format("must be > 0, got {}", c.dt));
    need(c.rtol > 0, "integrator.rtol", fmt::format("must be > 0, got {}", c.rtol));
    need(c.atol > 0, "integrator.atol", fmt::format("must be > 0, got {}", c.atol));
    need(c.every > 0, "output.every", fmt::format("must be > 0, got {}", c.every));
    need(c.dt == 0 || multiple(c.every, c.dt), "output.every",
         fmt::format("must be an integer multiple of integrator.dt = {}, got {}", c.dt, c.every));
    need(
        multiple(c.length, c.every), "run.length",
        fmt::format("must be an integer multiple of output.every = {}, got {}", c.every, c.length));
    need(c.thresholds.empty() || c.extremes, "output.thresholds",
         "needs output.extremes = true (the thresholds define the extremes' events)");
    need(c.members_saved <= c.members, "output.members_saved",
         fmt::format("must be <= ensemble.members = {}, got {}", c.members, c.members_saved));
  }

  std::string source_;
  toml::table doc_;
  std::vector<std::string> parameter_order_;
  std::map<std::string, std::string> origin_;  // "section.key" -> "override '...'"
};

}  // namespace

ExperimentConfig load_experiment_config(const std::string& path,
                                        const std::vector<std::string>& overrides) {
  Loader loader(path.empty() ? "<default>" : path);
  if (!path.empty()) loader.load_file(path);
  loader.record_parameter_order();
  for (const std::string& override_text : overrides) loader.apply_override(override_text);
  return loader.finish();
}

std::string experiment_config_to_toml(const ExperimentConfig& config) {
  std::string text;
  for (const std::string_view section : kSections) {
    if (!text.empty()) text += '\n';
    text += fmt::format("[{}]\n", section);
    for (const KeySpec& spec : kKeys) {
      if (spec.section != section) continue;
      // An unset scheme or dt (the system's default) is left out.
      if ((spec.kind == Kind::kText && spec.text == &ExperimentConfig::scheme &&
           config.scheme.empty()) ||
          (spec.kind == Kind::kNumber && spec.number == &ExperimentConfig::dt && config.dt == 0)) {
        continue;
      }
      std::string value;
      switch (spec.kind) {
        case Kind::kNumber:
          value = format_number(config.*spec.number);
          break;
        case Kind::kCount:
          value = fmt::format("{}", config.*spec.count);
          break;
        case Kind::kSeed:
          value = fmt::format("{}", config.*spec.seed);
          break;
        case Kind::kBoolean:
          value = config.*spec.boolean ? "true" : "false";
          break;
        case Kind::kText:
          value = quote(config.*spec.text);
          break;
        case Kind::kNumbers: {
          std::string list;
          for (double v : config.*spec.numbers) {
            list += (list.empty() ? "" : ", ") + format_number(v);
          }
          value = "[" + list + "]";
          break;
        }
      }
      text += fmt::format("{} = {}\n", spec.key, value);
    }
    if (section == "system") {
      for (const auto& [name, value] : config.system_parameters) {
        text += fmt::format("{} = {}\n", format_key(name), format_number(value));
      }
    }
    if (section == "parameters") {
      for (const ParameterLawConfig& law : config.parameter_laws) {
        text +=
            fmt::format("\n[parameters.{}]\nlaw = {}\n", format_key(law.parameter), quote(law.law));
        for (const auto& [key, value] : law.numbers) {
          text += fmt::format("{} = {}\n", key, format_number(value));
        }
        if (!law.values.empty()) {
          std::string list;
          for (double v : law.values) list += (list.empty() ? "" : ", ") + format_number(v);
          text += fmt::format("values = [{}]\n", list);
        }
      }
    }
  }
  return text;
}

}  // namespace butterfly
