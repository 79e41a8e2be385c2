// State dimensions of the run output by system kind.
#include "butterfly/app/state_shape.hpp"

#include <string>
#include <variant>

#include "butterfly/systems/spectral_system.hpp"

namespace butterfly {

namespace {

template <class S>
std::string space_units() {
  if constexpr (requires { S::space_units; }) {
    return std::string(S::space_units);
  } else {
    return "1";
  }
}

}  // namespace

std::vector<StateDimension> state_shape(const AnySystem& system) {
  return std::visit(
      [](const auto& s) -> std::vector<StateDimension> {
        using S = std::decay_t<decltype(s)>;
        if constexpr (SpectralSystem<S>) {
          const SpectralGrid& g = s.grid();
          std::vector<StateDimension> shape;
          if (s.fields() > 1) shape.push_back({"field", s.fields(), {}, "field index", "1"});
          const auto axis = [&](const char* name, std::size_t n, auto coordinate) {
            StateDimension d{
                name, n, {}, std::string(name) + " coordinate of the grid point", space_units<S>()};
            for (std::size_t i = 0; i < n; ++i) d.coordinates.push_back(coordinate(i));
            shape.push_back(d);
          };
          if (g.dimensions() == 2) axis("y", g.ny(), [&](std::size_t j) { return g.y(j); });
          axis("x", g.nx(), [&](std::size_t i) { return g.x(i); });
          return shape;
        } else {
          return {{"var", s.dimension(), {}, "state variable index", "1"}};
        }
      },
      system);
}

}  // namespace butterfly
