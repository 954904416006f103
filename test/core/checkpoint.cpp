// Training checkpoints: a save and load in the middle of a run continues exactly as the
// uninterrupted run; a truncated, corrupted, foreign or mismatched file is an error that names
// what differs and leaves every target as it was.
#include <catch2/catch.hpp>
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <random>
#include <string>
#include <tapeless/tapeless.hpp>
#include <tapeless/train.hpp>
#include <unistd.h>
#include <vector>

namespace tl = tapeless;

namespace {
constexpr auto W = tl::var<"W", 2, 3>;
constexpr auto b = tl::var<"b", 2>;
constexpr auto s = tl::var<"s">;
constexpr auto x = tl::var<"x", 3>;
constexpr auto y = tl::var<"y", 2>;

const auto model_loss = tl::mse(tl::matmul(W, x) + b * s, y);
using params_t = decltype(tl::at(W = tl::matrix<double, 2, 3>{}, b = tl::vector<double, 2>{},
                                 s = 0.0));

params_t initial_params() {
  return tl::at(W = tl::matrix<double, 2, 3>{{0.1, -0.2, 0.3, 0.4, -0.5, 0.6}},
                b = tl::vector<double, 2>{{0.05, -0.05}}, s = 1.5);
}

// One training step on a random sample drawn from gen.
template <class Opt>
void train_step(params_t& p, Opt& opt, std::mt19937_64& gen) {
  std::normal_distribution<double> normal(0.0, 1.0);
  tl::vector<double, 3> xv;
  for (auto& v : xv.data) v = normal(gen);
  const tl::vector<double, 2> yv{{xv[0] - xv[1], 2 * xv[2]}};
  opt.step(p, tl::grad(model_loss, tl::wrt(W, b, s), p, x = xv, y = yv));
}

struct run_state {
  params_t params = initial_params();
  tl::adam<params_t> opt{params, {.lr = 1e-2}};
  std::mt19937_64 gen{42};
  long iteration = 0;
  std::vector<std::size_t> order{3, 1, 4, 1, 5};

  void step() {
    train_step(params, opt, gen);
    ++iteration;
    std::shuffle(order.begin(), order.end(), gen);
  }
  template <class F>
  void with_entries(F&& f) {
    f(tl::entry("params", params), tl::entry("optimizer", opt), tl::entry("rng", gen),
      tl::entry("iteration", iteration), tl::entry("order", order));
  }
  void save(const std::filesystem::path& file) {
    with_entries([&](const auto&... e) { tl::save_checkpoint(file, e...); });
  }
  void load(const std::filesystem::path& file) {
    with_entries([&](const auto&... e) { tl::load_checkpoint(file, e...); });
  }
  std::string bytes() {
    std::string out;
    with_entries([&](const auto&... e) { out = tl::encode_checkpoint(e...); });
    return out;
  }
};

std::filesystem::path scratch(const std::string& name) {
  const auto dir = std::filesystem::temp_directory_path() /
                   ("tapeless_checkpoint_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  return dir / name;
}

void write_bytes(const std::filesystem::path& f, const std::string& bytes) {
  std::ofstream(f, std::ios::binary) << bytes;
}

std::string message_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const tl::checkpoint_error& e) {
    return e.what();
  }
  return "(no checkpoint_error)";
}
}  // namespace

TEST_CASE("a run saved and resumed ends exactly where the uninterrupted run ends", "[checkpoint]") {
  run_state straight;
  for (int i = 0; i < 30; ++i) straight.step();

  run_state first;
  for (int i = 0; i < 12; ++i) first.step();
  const auto file = scratch("resume.ckpt");
  first.save(file);
  CHECK_FALSE(std::filesystem::exists(file.string() + ".tmp"));
  for (int i = 0; i < 5; ++i) first.step();  // the work after the checkpoint is lost in the crash

  run_state resumed;  // a new process: fresh state, then the checkpoint
  resumed.load(file);
  CHECK(resumed.iteration == 12);
  while (resumed.iteration < 30) resumed.step();

  CHECK(resumed.params[W] == straight.params[W]);  // bitwise: the same operations in the same order
  CHECK(resumed.params[b] == straight.params[b]);
  CHECK(resumed.params[s] == straight.params[s]);
  CHECK(resumed.gen == straight.gen);
  CHECK(resumed.order == straight.order);
  CHECK(resumed.iteration == straight.iteration);
  // Adam's step count is restored too: without it the bias correction would differ.
  CHECK(resumed.bytes() == straight.bytes());
}

TEST_CASE("saving replaces the previous checkpoint", "[checkpoint]") {
  const auto file = scratch("replace.ckpt");
  run_state a;
  a.save(file);
  a.step();
  a.save(file);
  run_state b2;
  b2.load(file);
  CHECK(b2.iteration == 1);
  CHECK(b2.params[W] == a.params[W]);
}

TEST_CASE("float32 bundles and every integer width round-trip", "[checkpoint]") {
  auto pf = tl::at(W = tl::matrix<float, 2, 3>{{1.5f, -2.25f, 3e-38f, 1e38f, -0.0f, 7.0f}},
                   b = tl::vector<float, 2>{{0.1f, 0.2f}});
  std::int8_t small = -7;
  unsigned long long big = 18446744073709551615ull;
  std::vector<float> losses{0.5f, 0.25f};
  const auto bytes = tl::encode_checkpoint(tl::entry("p", pf), tl::entry("small", small),
                                           tl::entry("big", big), tl::entry("losses", losses));
  auto qf = tl::at(W = tl::matrix<float, 2, 3>{}, b = tl::vector<float, 2>{});
  std::int8_t small2 = 0;
  unsigned long long big2 = 0;
  std::vector<float> losses2;
  tl::decode_checkpoint(bytes, "memory", tl::entry("p", qf), tl::entry("small", small2),
                        tl::entry("big", big2), tl::entry("losses", losses2));
  CHECK(qf[W] == pf[W]);
  CHECK(qf[b] == pf[b]);
  CHECK(std::signbit(qf[W][4]));
  CHECK(small2 == -7);
  CHECK(big2 == big);
  CHECK(losses2 == losses);
  // A value that does not fit the target's integer type is an error, not a wrap-around.
  unsigned tiny = 0;
  CHECK_THROWS_WITH(tl::decode_checkpoint(bytes, "memory", tl::entry("p", qf),
                                          tl::entry("small", tiny), tl::entry("big", big2),
                                          tl::entry("losses", losses2)),
                    Catch::Contains("entry \"small\": -7 does not fit"));
}

TEST_CASE("every truncation of a checkpoint is an error and changes nothing", "[checkpoint]") {
  run_state saved;
  for (int i = 0; i < 3; ++i) saved.step();
  const std::string bytes = saved.bytes();
  run_state target;  // differs from `saved` in every entry
  const std::string before = target.bytes();
  for (std::size_t n = 0; n < bytes.size(); ++n) {
    const auto f = scratch("truncated.ckpt");
    write_bytes(f, bytes.substr(0, n));
    const std::string what = message_of([&] { target.load(f); });
    INFO("truncated to " << n << " of " << bytes.size() << " bytes: " << what);
    CHECK(what.find("truncated") != std::string::npos);
    CHECK(what.find(f.string()) != std::string::npos);
    REQUIRE(target.bytes() == before);
  }
}

TEST_CASE("corrupted, foreign and mismatched files are errors that name what differs",
          "[checkpoint]") {
  run_state saved;
  saved.step();
  const std::string bytes = saved.bytes();
  run_state target;
  const std::string before = target.bytes();
  const auto f = scratch("bad.ckpt");

  SECTION("a flipped byte in the data") {
    for (const std::size_t at : {std::size_t{40}, bytes.size() / 2, bytes.size() - 1}) {
      std::string bad = bytes;
      bad[at] = char(bad[at] ^ 0x10);
      write_bytes(f, bad);
      CHECK_THAT(message_of([&] { target.load(f); }), Catch::Contains("corrupted"));
    }
  }
  SECTION("not a checkpoint") {
    write_bytes(f, "t,x,y\n0,1,2\n3,4,5\n6,7,8\n9,10,11\n12,13,14\n");
    CHECK_THAT(message_of([&] { target.load(f); }),
               Catch::Contains("not a tapeless checkpoint"));
  }
  SECTION("a missing file") {
    CHECK_THAT(message_of([&] { target.load(scratch("absent.ckpt")); }),
               Catch::Contains("absent.ckpt: cannot open it"));
  }
  SECTION("a later format version") {
    std::string later = bytes;
    later[8] = 2;
    write_bytes(f, later);
    CHECK_THAT(message_of([&] { target.load(f); }),
               Catch::Contains("format version 2, this tapeless reads version 1"));
  }
  SECTION("a checkpoint of another program: other entries") {
    long iteration = 3;
    tl::save_checkpoint(f, tl::entry("iteration", iteration));
    CHECK_THAT(message_of([&] { target.load(f); }),
               Catch::Contains("holds the entries \"iteration\", the program restores \"params\" "
                               "\"optimizer\" \"rng\" \"iteration\" \"order\""));
  }
  SECTION("a tensor of another shape, named by entry and symbol") {
    constexpr auto W3 = tl::var<"W", 3, 2>;
    auto other = tl::at(W3 = tl::matrix<double, 3, 2>{}, b = tl::vector<double, 2>{}, s = 0.0);
    auto p = initial_params();
    tl::save_checkpoint(f, tl::entry("params", other));
    CHECK_THAT(message_of([&] { tl::load_checkpoint(f, tl::entry("params", p)); }),
               Catch::Contains("entry \"params\", \"W\": the file holds a 3x2 tensor, the "
                               "program needs 2x3"));
    CHECK(p[W] == initial_params()[W]);
  }
  SECTION("float32 values into a float64 bundle") {
    auto pf = tl::at(W = tl::matrix<float, 2, 3>{}, b = tl::vector<float, 2>{}, s = 0.0f);
    auto p = initial_params();
    tl::save_checkpoint(f, tl::entry("params", pf));
    CHECK_THAT(message_of([&] { tl::load_checkpoint(f, tl::entry("params", p)); }),
               Catch::Contains("the file holds float32 values, the program needs float64"));
  }
  SECTION("a bundle with another symbol") {
    constexpr auto c = tl::var<"c", 2>;
    auto other = tl::at(W = tl::matrix<double, 2, 3>{}, c = tl::vector<double, 2>{}, s = 0.0);
    auto p = initial_params();
    tl::save_checkpoint(f, tl::entry("params", other));
    CHECK_THAT(message_of([&] { tl::load_checkpoint(f, tl::entry("params", p)); }),
               Catch::Contains("entry \"params\", \"b\": not in the file"));
  }
  SECTION("an optimizer where the program has a bundle") {
    auto p = initial_params();
    tl::save_checkpoint(f, tl::entry("params", target.opt));
    CHECK_THAT(message_of([&] { tl::load_checkpoint(f, tl::entry("params", p)); }),
               Catch::Contains("entry \"params\": the file holds an optimizer's state, the "
                               "program needs a parameter bundle"));
  }
  SECTION("one good entry and one bad one: the good one is not half-loaded") {
    auto p = initial_params();
    p[s] = -1.0;
    std::mt19937_64 gen(7);
    tl::save_checkpoint(f, tl::entry("params", p), tl::entry("rng", gen));
    auto q = initial_params();
    double not_an_engine = 0;
    CHECK_THAT(message_of([&] {
                 tl::load_checkpoint(f, tl::entry("params", q), tl::entry("rng", not_an_engine));
               }),
               Catch::Contains("entry \"rng\": the file holds a random engine, the program needs "
                               "a number"));
    CHECK(q[s] == 1.5);
  }
  CHECK(target.bytes() == before);
}
