// Tests of the thread pool: every index runs once, errors propagate, reuse works.
#include "butterfly/core/thread_pool.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <stdexcept>
#include <vector>

namespace butterfly {
namespace {

TEST(ThreadPool, RunsEveryIndexExactlyOnce) {
  for (std::size_t threads : {1u, 2u, 4u}) {
    ThreadPool pool(threads);
    EXPECT_EQ(pool.size(), threads);
    for (int round = 0; round < 50; ++round) {
      std::vector<std::atomic<int>> hits(1000);
      pool.parallel_for(hits.size(), [&](std::size_t i, std::size_t worker) {
        EXPECT_LT(worker, threads);
        hits[i]++;
      });
      for (auto& h : hits) ASSERT_EQ(h.load(), 1);
    }
  }
}

TEST(ThreadPool, RethrowsTheFirstErrorAndStaysUsable) {
  ThreadPool pool(2);
  EXPECT_THROW(pool.parallel_for(100,
                                 [](std::size_t i, std::size_t) {
                                   if (i == 37) throw std::runtime_error("boom");
                                 }),
               std::runtime_error);
  std::atomic<int> count = 0;
  pool.parallel_for(10, [&](std::size_t, std::size_t) { count++; });
  EXPECT_EQ(count.load(), 10);
  pool.parallel_for(0, [&](std::size_t, std::size_t) { count++; });
  EXPECT_EQ(count.load(), 10);
}

}  // namespace
}  // namespace butterfly
