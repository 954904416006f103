// safetensors files: a bundle or an optimizer saved and loaded bit for bit; the header tapeless
// writes, byte for byte; every malformed, truncated or mismatched file is an error that names the
// tensor and leaves the target untouched.
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <functional>
#include <string>
#include <tapeless/safetensors.hpp>
#include <tapeless/tapeless.hpp>
#include <tapeless/train.hpp>

namespace tl = tapeless;

namespace {
constexpr auto W = tl::var<"W", 2, 3>;
constexpr auto b = tl::var<"b", 3>;
constexpr auto s = tl::var<"s">;
constexpr auto fc = tl::var<"fc1.weight", 2, 2>;

using params_t = decltype(tl::at(W = tl::matrix<double, 2, 3>{}, b = tl::vector<double, 3>{},
                                 s = 0.0, fc = tl::matrix<double, 2, 2>{}));
params_t saved_params() {
  return tl::at(W = tl::matrix<double, 2, 3>{{1.5, -2.25, 3.0, 0.1, 1e-300, -7.0}},
                b = tl::vector<double, 3>{{0.5, -0.0, 2.0}}, s = -3.75,
                fc = tl::matrix<double, 2, 2>{{1.0, 2.0, 3.0, 4.0}});
}
params_t other_params() {
  return tl::at(W = tl::matrix<double, 2, 3>::filled(9.0), b = tl::vector<double, 3>::filled(8.0),
                s = 7.0, fc = tl::matrix<double, 2, 2>::filled(6.0));
}

std::filesystem::path scratch(const std::string& name) {
  const auto dir = std::filesystem::temp_directory_path() /
                   ("tapeless_safetensors_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  return dir / name;
}
void write_bytes(const std::filesystem::path& f, const std::string& bytes) {
  std::ofstream(f, std::ios::binary) << bytes;
}
std::string message_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const tl::safetensors_error& e) {
    return e.what();
  }
  return "(no safetensors_error)";
}
// State with one integer, as an optimizer's step count.
struct counter {
  long* n;
  template <class F>
  void for_each_state(F&& f) {
    f("step", *n);
  }
};
// A file made by hand: the length of `json`, `json`, then `data`.
std::string file_of(const std::string& json, const std::string& data = "") {
  std::string out;
  for (int i = 0; i < 8; ++i) out.push_back(char((json.size() >> (8 * i)) & 0xff));
  return out + json + data;
}
std::string doubles(std::initializer_list<double> xs) {
  std::string out;
  for (double x : xs) tl::detail::files::put_float(out, x);
  return out;
}
}  // namespace

TEST_CASE("a bundle saved and loaded is the same bit for bit", "[safetensors]") {
  const auto file = scratch("params.safetensors");
  tl::save_safetensors(file, saved_params(), {{"format", "pt"}, {"epoch", "12"}});
  CHECK_FALSE(std::filesystem::exists(file.string() + ".tmp"));
  auto p = other_params();
  const auto meta = tl::load_safetensors(file, p);
  CHECK(p[W] == saved_params()[W]);
  CHECK(p[b] == saved_params()[b]);
  CHECK(std::signbit(p[b][1]));  // -0.0 kept
  CHECK(p[s] == -3.75);
  CHECK(p[fc] == saved_params()[fc]);
  CHECK(p[W](1, 1) == 1e-300);
  CHECK(meta == tl::safetensors_metadata{{"epoch", "12"}, {"format", "pt"}});
  // Saving again replaces the file.
  auto q = saved_params();
  q[s] = 0.5;
  tl::save_safetensors(file, q);
  tl::load_safetensors(file, p);
  CHECK(p[s] == 0.5);
}

TEST_CASE("the bytes tapeless writes: length, JSON header padded to 8, row-major data",
          "[safetensors]") {
  constexpr auto M = tl::var<"M", 2, 2>;
  const auto bytes = tl::encode_safetensors(
      tl::at(M = tl::matrix<double, 2, 2>{{1.0, 2.0, 3.0, 4.0}}, s = 0.5), {{"k", "v"}});
  const std::string json =
      R"({"M":{"data_offsets":[0,32],"dtype":"F64","shape":[2,2]},)"
      R"("__metadata__":{"k":"v"},"s":{"data_offsets":[32,40],"dtype":"F64","shape":[]}})";
  std::string padded = json;
  padded.append((8 - json.size() % 8) % 8, ' ');
  CHECK(bytes == file_of(padded, doubles({1.0, 2.0, 3.0, 4.0, 0.5})));
  CHECK((bytes.size() - 8 - 40) % 8 == 0);
  CHECK(std::uint8_t(bytes[0]) == padded.size());
}

TEST_CASE("float32 bundles; F32 into float64 only when asked; never F64 into float32",
          "[safetensors]") {
  constexpr auto v = tl::var<"v", 3>;
  const auto pf = tl::at(v = tl::vector<float, 3>{{0.1f, -2.5f, 3e38f}});
  const auto bytes = tl::encode_safetensors(pf);
  CHECK(bytes.find(R"("dtype":"F32")") != std::string::npos);
  auto qf = tl::at(v = tl::vector<float, 3>{});
  tl::decode_safetensors(bytes, "memory", qf);
  CHECK(qf[v] == pf[v]);

  auto qd = tl::at(v = tl::vector<double, 3>{{1, 2, 3}});
  const auto before = qd;
  CHECK_THAT(message_of([&] { tl::decode_safetensors(bytes, "memory", qd); }),
             Catch::Contains("safetensors memory: \"v\": the file holds F32 values, the program "
                             "needs F64 (load with {.widen_float32 = true} to widen them)"));
  CHECK(qd[v] == before[v]);
  tl::decode_safetensors(bytes, "memory", qd, {.widen_float32 = true});
  CHECK(qd[v][0] == double(0.1f));
  CHECK(qd[v][1] == -2.5);
  CHECK(qd[v][2] == double(3e38f));

  const auto bytes64 = tl::encode_safetensors(qd);
  CHECK_THAT(message_of([&] { tl::decode_safetensors(bytes64, "memory", qf); }),
             Catch::Contains("\"v\": the file holds F64 values, the program needs F32"));
  CHECK(qf[v] == pf[v]);
}

TEST_CASE("optimizer state through for_each_state: bundles as piece.symbol, the step as I64",
          "[safetensors]") {
  auto p = saved_params();
  tl::adam<params_t> opt(p, {.lr = 1e-2});
  auto g = saved_params();
  opt.step(p, g);
  opt.step(p, g);
  const auto bytes = tl::encode_safetensors(opt);
  CHECK(bytes.find(R"("exp_avg.W":{"data_offsets")") != std::string::npos);
  CHECK(bytes.find(R"("exp_avg_sq.fc1.weight":{)") != std::string::npos);
  CHECK(bytes.find(R"("step":{"data_offsets":[)") != std::string::npos);
  CHECK(bytes.find(R"("lr":{"data_offsets":[)") != std::string::npos);  // a schedule's rate too
  CHECK(bytes.find(R"("dtype":"I64","shape":[]})") != std::string::npos);

  auto p2 = p;
  tl::adam<params_t> fresh(p2, {.lr = 1e-2});
  tl::decode_safetensors(bytes, "memory", fresh);
  CHECK(tl::encode_safetensors(fresh) == bytes);
  // The restored optimizer takes the same next step as the original (bias correction included).
  auto pa = p, pb = p;
  opt.step(pa, g);
  fresh.step(pb, g);
  CHECK(pa[W] == pb[W]);
  CHECK(pa[s] == pb[s]);

  // A bundle file is not an optimizer's.
  tl::adam<params_t> third(p2, {.lr = 1e-2});
  const auto before = tl::encode_safetensors(third);
  CHECK_THAT(
      message_of([&] { tl::decode_safetensors(tl::encode_safetensors(p), "memory", third); }),
      Catch::Contains("\"lr\": not in the file (it holds \"W\" \"b\" \"fc1.weight\" \"s\")"));
  CHECK(tl::encode_safetensors(third) == before);
}

TEST_CASE("every truncation is an error that changes nothing", "[safetensors]") {
  const std::string bytes = tl::encode_safetensors(saved_params(), {{"a", "b"}});
  auto target = other_params();
  const std::string before = tl::encode_safetensors(target);
  const auto f = scratch("truncated.safetensors");
  for (std::size_t n = 0; n < bytes.size(); ++n) {
    write_bytes(f, bytes.substr(0, n));
    const std::string what = message_of([&] { tl::load_safetensors(f, target); });
    INFO("truncated to " << n << " of " << bytes.size() << " bytes: " << what);
    CHECK(what.find("truncated") != std::string::npos);
    CHECK(what.find(f.string()) != std::string::npos);
    REQUIRE(tl::encode_safetensors(target) == before);
  }
}

TEST_CASE("every flipped byte of the length or the JSON header is an error", "[safetensors]") {
  // (Without metadata: a changed metadata value, or a changed data byte, is still a valid file;
  // the format has no checksum.)
  const std::string bytes = tl::encode_safetensors(saved_params());
  const std::size_t header_end =
      8 + std::size_t(std::uint8_t(bytes[0])) + 256 * std::size_t(std::uint8_t(bytes[1]));
  auto target = other_params();
  const std::string before = tl::encode_safetensors(target);
  for (std::size_t at = 0; at < header_end; ++at) {
    for (const int bit : {0x01, 0x20, 0x80}) {
      std::string bad = bytes;
      bad[at] = char(bad[at] ^ bit);
      const std::string what = message_of([&] { tl::decode_safetensors(bad, "flipped", target); });
      INFO("byte " << at << " ('" << bytes[at] << "') ^ " << bit << ": " << what);
      CHECK(what.find("tapeless: safetensors flipped: ") == 0);
      REQUIRE(tl::encode_safetensors(target) == before);
    }
  }
}

TEST_CASE("mismatched and malformed files name what differs and change nothing", "[safetensors]") {
  auto target = other_params();
  const std::string before = tl::encode_safetensors(target);
  const auto err = [&](const std::string& bytes) {
    return message_of([&] { tl::decode_safetensors(bytes, "f", target); });
  };
  constexpr auto c = tl::var<"c", 3>;
  constexpr auto W3 = tl::var<"W", 3, 2>;
  const auto good_rest =
      tl::at(b = tl::vector<double, 3>{}, s = 0.0, fc = tl::matrix<double, 2, 2>{});
  SECTION("a tensor of another shape") {
    CHECK_THAT(err(tl::encode_safetensors(tl::at(W3 = tl::matrix<double, 3, 2>{},
                                                 b = tl::vector<double, 3>{}, s = 0.0,
                                                 fc = tl::matrix<double, 2, 2>{}))),
               Catch::Contains("safetensors f: \"W\": the file holds shape [3, 2], the program "
                               "needs [2, 3]"));
  }
  SECTION("a scalar where the program has a vector") {
    constexpr auto bs = tl::var<"b">;
    CHECK_THAT(err(tl::encode_safetensors(tl::at(W = tl::matrix<double, 2, 3>{}, bs = 1.0, s = 0.0,
                                                 fc = tl::matrix<double, 2, 2>{}))),
               Catch::Contains("\"b\": the file holds shape [], the program needs [3]"));
  }
  SECTION("a missing tensor, and one the program does not have") {
    const auto other =
        tl::encode_safetensors(tl::at(W = tl::matrix<double, 2, 3>{}, c = tl::vector<double, 3>{},
                                      s = 0.0, fc = tl::matrix<double, 2, 2>{}));
    CHECK_THAT(err(other), Catch::Contains("\"b\": not in the file (it holds \"W\" \"c\" "
                                           "\"fc1.weight\" \"s\")"));
    const auto more = tl::encode_safetensors(
        tl::at(W = tl::matrix<double, 2, 3>{}, b = tl::vector<double, 3>{{1, 2, 3}},
               c = tl::vector<double, 3>{}, s = 0.0, fc = tl::matrix<double, 2, 2>{}));
    CHECK_THAT(err(more), Catch::Contains("the file holds tensors the program does not restore: "
                                          "\"c\" (load with {.ignore_extra = true}"));
    REQUIRE(tl::encode_safetensors(target) == before);
    auto t2 = target;
    tl::decode_safetensors(more, "f", t2, {.ignore_extra = true});
    CHECK(t2[b] == tl::vector<double, 3>{{1, 2, 3}});
    CHECK(t2[s] == 0.0);
  }
  SECTION("a dtype the program cannot hold") {
    const std::string h = R"({"W":{"dtype":"F16","shape":[2,3],"data_offsets":[0,12]}})";
    CHECK_THAT(err(file_of(h, std::string(12, '\0'))),
               Catch::Contains("\"W\": the file holds F16 values, the program needs F64"));
    CHECK_THAT(
        err(file_of(R"({"W":{"dtype":"F63","shape":[],"data_offsets":[0,8]}})", doubles({1}))),
        Catch::Contains("\"W\": unknown dtype \"F63\""));
  }
  SECTION("a header length beyond the file") {
    std::string bytes = tl::encode_safetensors(saved_params());
    bytes[7] = char(0x40);
    CHECK_THAT(err(bytes), Catch::Contains("truncated: the header length says 46116860184273"));
  }
  SECTION("bad JSON, or JSON that is not a header") {
    CHECK_THAT(err(file_of("{\"W\": {", "")),
               Catch::Contains("malformed: the JSON header does not parse"));
    CHECK_THAT(err(file_of(std::string("{}\0{\"W\"", 6))),
               Catch::Contains("malformed: the JSON header holds a NUL byte"));
    CHECK_THAT(err(file_of("[1, 2]        ")),
               Catch::Contains("malformed: the JSON header must start with '{'"));
    CHECK_THAT(err(file_of("{}      ", "x")),
               Catch::Contains("malformed: 1 bytes after the last tensor belong to no tensor"));
    CHECK_THAT(err(file_of(R"({"W":[1,2]})")),
               Catch::Contains("\"W\" must be an object with dtype, shape and data_offsets"));
    CHECK_THAT(err(file_of(R"({"s":{"dtype":"F64","shape":[],"data_offsets":[0,8]},)"
                           R"("s":{"dtype":"F64","shape":[],"data_offsets":[0,8]}})",
                           doubles({1}))),
               Catch::Contains("malformed: \"s\" appears twice in the header"));
    CHECK_THAT(err(file_of(R"({"__metadata__":{"k":1}})")),
               Catch::Contains("\"__metadata__\" value \"k\" is not a string"));
    CHECK_THAT(
        err(file_of(R"({"s":{"dtype":"F64","shape":[-1],"data_offsets":[0,8]}})", doubles({1}))),
        Catch::Contains("\"s\": every dimension must be a non-negative integer, the "
                        "header has -1"));
    CHECK_THAT(
        err(file_of(R"({"s":{"dtype":"F64","shape":[],"data_offsets":[0.0,8]}})", doubles({1}))),
        Catch::Contains("\"s\": data_offsets must be a non-negative integer"));
    CHECK_THAT(err(file_of(R"({"s":{"dtype":"F64","shape":[],"data_offsets":[0]}})", doubles({1}))),
               Catch::Contains("\"s\": data_offsets must be [begin, end]"));
  }
  SECTION("offsets out of range, overlapping, with gaps, or of the wrong length") {
    const std::string data = doubles({1, 2, 3});
    CHECK_THAT(err(file_of(R"({"s":{"dtype":"F64","shape":[],"data_offsets":[16,24]},)"
                           R"("t":{"dtype":"F64","shape":[],"data_offsets":[24,32]}})",
                           doubles({1, 2, 3}))),
               Catch::Contains("malformed: bytes 0 to 16 of the data belong to no tensor (before "
                               "\"s\" [16, 24])"));
    CHECK_THAT(err(file_of(R"({"s":{"dtype":"F64","shape":[],"data_offsets":[0,8]},)"
                           R"("t":{"dtype":"F64","shape":[2],"data_offsets":[0,16]}})",
                           doubles({1, 2}))),
               Catch::Contains("malformed: the data of \"s\" [0, 8] and \"t\" [0, 16] overlap"));
    CHECK_THAT(err(file_of(R"({"s":{"dtype":"F64","shape":[],"data_offsets":[0,8]},)"
                           R"("t":{"dtype":"F64","shape":[],"data_offsets":[16,24]}})",
                           data)),
               Catch::Contains("bytes 8 to 16 of the data belong to no tensor"));
    CHECK_THAT(err(file_of(R"({"s":{"dtype":"F64","shape":[],"data_offsets":[0,32]}})", data)),
               Catch::Contains("\"s\": shape [] of F64 needs 8 bytes, data_offsets [0, 32] hold "
                               "32"));
    CHECK_THAT(err(file_of(R"({"s":{"dtype":"F64","shape":[],"data_offsets":[8,0]}})", data)),
               Catch::Contains("data_offsets [8, 0] end before they begin"));
    CHECK_THAT(
        err(file_of(R"({"s":{"dtype":"F64","shape":[],"data_offsets":[16,24]}})", doubles({1}))),
        Catch::Contains("belong to no tensor"));
    CHECK_THAT(err(file_of(R"({"s":{"dtype":"F64","shape":[4294967296,4294967296],)"
                           R"("data_offsets":[0,8]}})",
                           doubles({1}))),
               Catch::Contains("needs more than 2^64 bytes"));
  }
  SECTION("a missing file, an unwritable one") {
    CHECK_THAT(message_of([&] { tl::load_safetensors(scratch("absent.safetensors"), target); }),
               Catch::Contains("absent.safetensors: cannot open it"));
    CHECK_THAT(
        message_of([&] { tl::save_safetensors(scratch("no_such_dir") / "x.safetensors", target); }),
        Catch::Contains("cannot write safetensors file"));
  }
  SECTION("integers that do not fit") {
    long step = 0;
    counter ctr{&step};
    unsigned char big[8] = {0, 0, 0, 0, 0, 0, 0, 0x80};  // 2^63 as U64: too large for a long
    const std::string h = R"({"step":{"dtype":"U64","shape":[],"data_offsets":[0,8]}})";
    CHECK_THAT(message_of([&] {
                 tl::decode_safetensors(file_of(h, std::string(reinterpret_cast<char*>(big), 8)),
                                        "f", ctr);
               }),
               Catch::Contains("\"step\": element 0 does not fit the program's type"));
    CHECK(step == 0);
    const std::string i32 = R"({"step":{"dtype":"I32","shape":[],"data_offsets":[0,4]}})";
    tl::decode_safetensors(file_of(i32, std::string("\xfd\xff\xff\xff", 4)), "f", ctr);
    CHECK(step == -3);
  }
  (void)good_rest;
  CHECK(tl::encode_safetensors(target) == before);
}

TEST_CASE("two tensors of one name cannot be saved", "[safetensors]") {
  constexpr auto s3 = tl::var<"s", 3>;
  CHECK_THAT(message_of([&] {
               (void)tl::encode_safetensors(tl::at(s = 1.0, s3 = tl::vector<double, 3>{}));
             }),
             Catch::Contains("two tensors would be named \"s\""));
}
