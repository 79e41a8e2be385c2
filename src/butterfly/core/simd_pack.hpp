// A pack of ensemble members processed together in SIMD lanes. Systems' templated
// right-hand sides run unchanged on Pack (one lane per member), on double and on
// dual numbers; see DESIGN invariant 2.
#pragma once

#include <cstddef>

namespace butterfly {

// Members per pack: four doubles fill one AVX2 register. (Eight-wide packs
// made GCC 12 split and spill the vectors on AVX2: 2.8x slower, measured.)
inline constexpr std::size_t kPackWidth = 4;

// GCC/Clang vector extension: element-wise + - * / and mixing with scalars.
using Pack = double __attribute__((vector_size(kPackWidth * sizeof(double))));

// Bytes every member row is aligned to, so a row slice of kPackWidth members
// loads as one Pack.
inline constexpr std::size_t kRowAlignment = kPackWidth * sizeof(double);

}  // namespace butterfly
