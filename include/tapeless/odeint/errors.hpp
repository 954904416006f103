#pragma once
// What a failed solve throws: a solver_error naming what went wrong and at what time. A solve
// never writes to what the caller owns before it has succeeded, so after the exception the
// caller's parameters and states are as they were.
#include <cstdio>
#include <stdexcept>
#include <string>

namespace tapeless::odeint {

enum class failure {
  step_size_underflow,   // the adaptive step size fell below options::min_dt
  too_many_steps,        // more than options::max_steps steps (accepted or rejected) in one solve
  non_finite_state,      // a state (or adjoint state) became inf or nan
  non_finite_parameter,  // a parameter or the initial state given to the solver is inf or nan
  times_out_of_order,    // observation times not strictly increasing (or not finite)
};

class solver_error : public std::runtime_error {
 public:
  solver_error(failure kind, double time, const std::string& message)
      : std::runtime_error(message), kind_(kind), time_(time) {}
  failure kind() const noexcept { return kind_; }
  // The time at which it happened (for bad input: the time it refers to).
  double time() const noexcept { return time_; }

 private:
  failure kind_;
  double time_;
};

namespace detail {
// "%.17g" keeps every digit a user might compare with; %g for the human-sized numbers.
inline std::string fmt(const char* format, double a) {
  char buf[64];
  std::snprintf(buf, sizeof buf, format, a);
  return buf;
}
inline std::string num(double v) { return fmt("%.10g", v); }
}  // namespace detail

}  // namespace tapeless::odeint
