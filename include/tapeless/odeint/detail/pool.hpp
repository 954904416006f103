#pragma once
// The threads a batch runs on (odeint/batch.hpp): made when a batch first asks for them and kept,
// parked, between batches. A spiral training iteration is one batch of twenty short solves, a
// millisecond in all; starting a thread costs about 30 us on the project's machine, and a new
// thread also starts without the thread-local workspaces of the sweeps (storage.hpp). Kept, both
// are paid once per process instead of once per batch.
//
// Waking a parked thread takes a round trip through the kernel (about 17 us per batch here), so
// a thread that has just finished, and a caller waiting for its helpers, first watch for a short
// while (spin_for) before they sleep: a training loop's batches follow each other more closely
// than that.
//
// One batch uses the pool at a time. A batch that finds it busy (another thread's batch, or a
// batch started inside a batch item) runs on threads of its own, started for it, as every batch
// did before: it neither waits nor deadlocks. The pool's threads are joined when the program ends.
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <mutex>
#include <thread>
#include <vector>

namespace tapeless::odeint::detail {

class worker_pool {
 public:
  static worker_pool& instance() {
    static worker_pool pool;
    return pool;
  }

  // Runs body() on `helpers` pool threads and on the calling thread at once, and returns when
  // every call has returned; body must not throw. Returns false, having run nothing, when the
  // pool is busy.
  template <class Body>
  bool run(std::size_t helpers, Body& body) {
    std::unique_lock<std::mutex> busy(busy_, std::try_to_lock);
    if (!busy.owns_lock()) return false;
    {
      std::lock_guard<std::mutex> lock(m_);
      while (threads_.size() < helpers) threads_.emplace_back([this] { serve(); });
      job_ = {[](void* b) { (*static_cast<Body*>(b))(); }, &body};
      wanted_ = helpers;
      taken_ = 0;
      finished_.store(0, std::memory_order_relaxed);
      generation_.fetch_add(1, std::memory_order_release);
    }
    wake_.notify_all();
    body();
    watch([&] { return finished_.load(std::memory_order_acquire) == helpers; });
    std::unique_lock<std::mutex> lock(m_);
    done_.wait(lock, [&] { return finished_.load(std::memory_order_relaxed) == wanted_; });
    return true;
  }

  // The threads made so far.
  std::size_t size() {
    std::lock_guard<std::mutex> lock(m_);
    return threads_.size();
  }

  ~worker_pool() {
    {
      std::lock_guard<std::mutex> lock(m_);
      stop_ = true;
    }
    wake_.notify_all();
    for (std::thread& t : threads_) t.join();
  }

 private:
  struct job {
    void (*call)(void*) = nullptr;
    void* body = nullptr;
  };

  worker_pool() = default;

  void serve() {
    std::size_t seen = 0;
    for (;;) {
      job j;
      watch([&] { return generation_.load(std::memory_order_acquire) != seen; });
      {
        std::unique_lock<std::mutex> lock(m_);
        // A job is this thread's when it is new to it and still short of helpers.
        wake_.wait(lock, [&] {
          return stop_ || (generation_.load(std::memory_order_relaxed) != seen && taken_ < wanted_);
        });
        if (stop_) return;
        seen = generation_.load(std::memory_order_relaxed);
        ++taken_;
        j = job_;
      }
      j.call(j.body);
      {
        std::lock_guard<std::mutex> lock(m_);
        finished_.fetch_add(1, std::memory_order_release);
      }
      done_.notify_all();
    }
  }

  // Returns when ready() holds or spin_for has passed, whichever is first (the caller then
  // checks again under the lock, and sleeps if need be).
  static constexpr std::chrono::microseconds spin_for{50};
  template <class Ready>
  static void watch(Ready ready) {
    const auto until = std::chrono::steady_clock::now() + spin_for;
    while (!ready() && std::chrono::steady_clock::now() < until) {
    }
  }

  std::mutex busy_;  // held by the batch that uses the pool
  std::mutex m_;     // guards everything below
  std::condition_variable wake_, done_;
  std::vector<std::thread> threads_;
  job job_;
  std::atomic<std::size_t> generation_{0}, finished_{0};  // also read without the lock, by watch
  std::size_t wanted_ = 0, taken_ = 0;
  bool stop_ = false;
};

}  // namespace tapeless::odeint::detail
