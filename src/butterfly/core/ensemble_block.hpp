// A block of ensemble members stored members-innermost: value(v, m) lives at
// data[v * stride + m], so every kernel's inner loop runs over members
// (DESIGN invariant 1). The member count is padded to whole Packs; padding
// lanes are integrated like real members but never scored or written.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "butterfly/core/aligned_buffer.hpp"
#include "butterfly/core/simd_pack.hpp"

namespace butterfly {

class EnsembleBlock {
 public:
  EnsembleBlock() = default;
  // A block of `members` real members (global ids first_member...) of a
  // system with `variables` state variables.
  EnsembleBlock(std::size_t variables, std::size_t members, std::uint64_t first_member)
      : variables_(variables),
        members_(members),
        stride_((members + kPackWidth - 1) / kPackWidth * kPackWidth),
        first_member_(first_member),
        data_(variables * stride_) {}

  std::size_t variables() const { return variables_; }
  // Real members in this block.
  std::size_t members() const { return members_; }
  // Members including padding: a multiple of kPackWidth.
  std::size_t stride() const { return stride_; }
  std::size_t packs() const { return stride_ / kPackWidth; }
  std::uint64_t first_member() const { return first_member_; }

  double* row(std::size_t v) { return data_.data() + v * stride_; }
  const double* row(std::size_t v) const { return data_.data() + v * stride_; }
  double& at(std::size_t v, std::size_t m) { return data_[v * stride_ + m]; }
  double at(std::size_t v, std::size_t m) const { return data_[v * stride_ + m]; }
  // Every lane of every variable, [variable][lane]: the block whole (to send it).
  std::span<double> values() { return {data_.data(), variables_ * stride_}; }
  std::span<const double> values() const { return {data_.data(), variables_ * stride_}; }

 private:
  std::size_t variables_ = 0;
  std::size_t members_ = 0;
  std::size_t stride_ = 0;
  std::uint64_t first_member_ = 0;
  AlignedBuffer data_;
};

}  // namespace butterfly
