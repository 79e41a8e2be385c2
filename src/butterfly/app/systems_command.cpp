// Lists the registry.
#include "butterfly/app/systems_command.hpp"

#include <fmt/format.h>

#include <cstdio>

#include "butterfly/systems/registry.hpp"

namespace butterfly {

int systems_command(bool json) {
  std::string out;
  if (json) out += "[";
  bool first = true;
  for (const SystemInfo& info : registered_systems()) {
    if (json) {
      out += fmt::format(
          "{}{{\"name\": \"{}\", \"summary\": \"{}\", \"time_units\": \"{}\", "
          "\"default_scheme\": \"{}\", \"default_dt\": {}, \"parameters\": [",
          first ? "" : ", ", info.name, info.summary, info.time_units, info.default_scheme,
          info.default_dt);
      bool first_parameter = true;
      for (const ParameterSpec& p : info.parameters) {
        out += fmt::format(
            "{}{{\"name\": \"{}\", \"default\": {}, \"meaning\": \"{}\", \"units\": \"{}\", "
            "\"integer\": {}}}",
            first_parameter ? "" : ", ", p.name, p.default_value, p.meaning, p.units,
            p.integer ? "true" : "false");
        first_parameter = false;
      }
      out += "]}";
    } else {
      out +=
          fmt::format("{}\n  {}\n  time: {}\n  default integrator: {} with dt = {:g}\n", info.name,
                      info.summary, info.time_units, info.default_scheme, info.default_dt);
      for (const ParameterSpec& p : info.parameters) {
        out += fmt::format("    {:<10} default {:<10g} {} [{}]\n", p.name, p.default_value,
                           p.meaning, p.units);
      }
    }
    first = false;
  }
  if (json) out += "]\n";
  std::fputs(out.c_str(), stdout);
  return 0;
}

}  // namespace butterfly
