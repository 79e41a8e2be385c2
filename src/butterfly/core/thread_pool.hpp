// A small fixed thread pool that runs parallel_for over task indices. Tasks
// write only their own outputs, so results never depend on which thread ran
// which task (DESIGN invariant 3).
#pragma once

#include <condition_variable>
#include <cstddef>
#include <exception>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace butterfly {

class ThreadPool {
 public:
  // threads == 0 means one per hardware thread.
  explicit ThreadPool(std::size_t threads = 0);
  ~ThreadPool();
  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;

  std::size_t size() const { return workers_.size() + 1; }

  // Calls task(i, worker) for every i in [0, count), worker in [0, size()).
  // Blocks until all are done; rethrows the first exception a task threw.
  void parallel_for(std::size_t count, const std::function<void(std::size_t, std::size_t)>& task);

 private:
  void work(std::size_t worker);
  void drain(std::size_t worker);

  std::vector<std::thread> workers_;
  std::mutex mutex_;
  std::condition_variable wake_;
  std::condition_variable done_;
  const std::function<void(std::size_t, std::size_t)>* task_ = nullptr;
  std::size_t count_ = 0;
  std::size_t next_ = 0;
  std::size_t in_flight_ = 0;
  std::size_t generation_ = 0;
  bool stop_ = false;
  std::exception_ptr error_;
};

}  // namespace butterfly
