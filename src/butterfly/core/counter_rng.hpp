// The only source of randomness: Philox4x32-10 (Random123, Salmon et al. 2011),
// keyed by (seed) with counters (global member id, purpose, stream, index), so
// every draw is a pure function of those numbers: bit-identical at any thread
// count, block size or rank count (DESIGN invariant 3).
#pragma once

#include <Random123/philox.h>

#include <Random123/boxmuller.hpp>
#include <cstddef>
#include <cstdint>

namespace butterfly {

// Why a number is drawn; distinct purposes never share a counter.
enum class Purpose : std::uint32_t {
  analysis_error = 1,       // the analysis = truth + one draw of the error law
  member_perturbation = 2,  // member j = analysis + its own draw
  model_noise = 3,          // stochastic forcing: stream = step index
  parameter_draw = 4,       // a member's perturbed model parameters
  tendency_noise = 5,       // stochastically perturbed tendencies (SPPT patterns)
  test = 255,
};

class CounterRng {
 public:
  using Generator = r123::Philox4x32;

  // member < 2^56; stream distinguishes e.g. forecast starts.
  CounterRng(std::uint64_t seed, std::uint64_t member, Purpose purpose, std::uint32_t stream)
      : key_{{static_cast<std::uint32_t>(seed), static_cast<std::uint32_t>(seed >> 32)}},
        member_lo_(static_cast<std::uint32_t>(member)),
        member_hi_purpose_(static_cast<std::uint32_t>((member >> 32) & 0xFFFFFFu) |
                           (static_cast<std::uint32_t>(purpose) << 24)),
        stream_(stream) {}

  // The raw 128 random bits for counter `index`.
  Generator::ctr_type bits(std::uint32_t index) const {
    const Generator::ctr_type counter = {{member_lo_, member_hi_purpose_, stream_, index}};
    return Generator()(counter, key_);
  }

  // Fills out[0..n) with independent standard normal draws; out[i] depends only
  // on the key and i (Box-Muller on 64-bit uniforms, Random123's boxmuller).
  void normals(double* out, std::size_t n) const {
    for (std::size_t i = 0; i < n; i += 2) {
      const auto r = bits(static_cast<std::uint32_t>(i / 2));
      const std::uint64_t u0 = (static_cast<std::uint64_t>(r[1]) << 32) | r[0];
      const std::uint64_t u1 = (static_cast<std::uint64_t>(r[3]) << 32) | r[2];
      const r123::double2 z = r123::boxmuller(u0, u1);
      out[i] = z.x;
      if (i + 1 < n) out[i + 1] = z.y;
    }
  }

 private:
  Generator::key_type key_;
  std::uint32_t member_lo_;
  std::uint32_t member_hi_purpose_;
  std::uint32_t stream_;
};

}  // namespace butterfly
