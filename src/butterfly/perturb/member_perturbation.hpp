// How a twin experiment draws its analysis around the truth and its members
// around the analysis, for each start: the Gaussian law by default, or a
// structured kind (correlated noise, bred, singular or Lyapunov vectors).
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <span>
#include <vector>

#include "butterfly/core/ensemble_block.hpp"
#include "butterfly/perturb/gaussian_perturbation.hpp"

namespace butterfly {

class MemberPerturbation {
 public:
  virtual ~MemberPerturbation() = default;
  // analysis = truth + one draw of the analysis-error law of start `start`.
  virtual void draw_analysis(std::uint32_t start, std::span<const double> truth,
                             std::span<double> analysis) const = 0;
  // Called once per start on the driving thread before fill(), with the
  // analysis and its model time: the place to compute flow-dependent vectors.
  virtual void prepare(std::uint32_t /*start*/, std::span<const double> /*analysis*/,
                       double /*time*/) {}
  // Fills every member of the block (global ids block.first_member() + m) and
  // sets padding lanes to the analysis. Called concurrently on blocks: const,
  // and a member's values depend only on (seed, start, global id).
  virtual void fill(std::uint32_t start, std::span<const double> analysis,
                    EnsembleBlock& block) const = 0;
};

// The isotropic Gaussian law of gaussian_perturbation.hpp.
class GaussianMemberPerturbation : public MemberPerturbation {
 public:
  explicit GaussianMemberPerturbation(const GaussianPerturbation& law) : law_(law) {}
  void draw_analysis(std::uint32_t start, std::span<const double> truth,
                     std::span<double> analysis) const override {
    butterfly::draw_analysis(law_, start, truth, analysis);
  }
  void fill(std::uint32_t start, std::span<const double> analysis,
            EnsembleBlock& block) const override {
    fill_members(law_, start, analysis, block);
  }

 private:
  GaussianPerturbation law_;
};

// Computes k orthonormal vectors (n x k, column-major) at the analysis of a
// start: singular, bred or backward Lyapunov vectors.
using PerturbationBasis = std::function<void(std::uint32_t start, std::span<const double> analysis,
                                             double time, std::vector<double>& basis)>;

// Members in the span of k flow-dependent vectors, as operational systems
// combine their leading singular or bred vectors (Molteni et al. 1996, QJRMS
// 122, 73; Toth & Kalnay 1997, MWR 125, 3297):
//   member m = analysis + amplitude sqrt(n/k) sum_j z_mj v_j,  z_mj ~ N(0, 1),
// so E|member - analysis|^2 = n amplitude^2 as for the Gaussian law; with pairs
// members 2i and 2i+1 take +d and -d. z_m is keyed by (seed, member or pair,
// start). The analysis error stays the isotropic Gaussian law: the truth is not
// exchangeable with such members (that is the point of the comparison).
class BasisMemberPerturbation : public MemberPerturbation {
 public:
  BasisMemberPerturbation(const GaussianPerturbation& law, std::size_t vectors,
                          PerturbationBasis basis);
  void draw_analysis(std::uint32_t start, std::span<const double> truth,
                     std::span<double> analysis) const override {
    butterfly::draw_analysis(law_, start, truth, analysis);
  }
  void prepare(std::uint32_t start, std::span<const double> analysis, double time) override;
  void fill(std::uint32_t start, std::span<const double> analysis,
            EnsembleBlock& block) const override;
  // The vectors of the last prepared start (n x k, column-major).
  const std::vector<double>& vectors() const { return vectors_; }

 private:
  GaussianPerturbation law_;
  std::size_t k_;
  PerturbationBasis basis_;
  std::vector<double> vectors_;
};

}  // namespace butterfly
