// `butterfly systems`: every registered system with its parameters.
#pragma once

namespace butterfly {

// Prints each system's name, summary, time units and parameter table (or JSON).
int systems_command(bool json);

}  // namespace butterfly
