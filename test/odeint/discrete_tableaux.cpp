// Discretize-then-optimize steps exactly like the Odeint stepper: euler and Cash-Karp 5(4).
#include <boost/numeric/odeint/stepper/euler.hpp>
#include <boost/numeric/odeint/stepper/runge_kutta_cash_karp54.hpp>

#include "reference.hpp"

using namespace reference;

TEMPLATE_TEST_CASE("discretize-then-optimize steps like the Odeint stepper", "[odeint][discrete]",
                   ode::euler<state>, ode::runge_kutta_cash_karp54<state>) {
  check_steps_like_odeint<TestType>();
}
