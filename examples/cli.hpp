// Command-line parsing for the examples (not part of the library).
//
//   cli::args args(argc, argv, "spiral", "[--full] [--iterations N]");
//   while (args.next()) {
//     if (args.is("--full")) full = true;
//     else if (args.is("--iterations")) iterations = args.number<std::size_t>();
//     else args.reject();
//   }
//
// --help and -h print the usage line to stdout and exit 0. An unknown flag, a flag without its
// value or a malformed number prints what is wrong and the usage line to stderr and exits 2.
// A program without options calls cli::no_options(argc, argv, "name").
#pragma once

#include <charconv>
#include <concepts>
#include <cstdio>
#include <cstdlib>
#include <string_view>

namespace cli {

class args {
 public:
  args(int argc, char** argv, const char* name, const char* options)
      : argc_(argc), argv_(argv), name_(name), options_(options) {}

  // Moves to the next argument; false when there are none left.
  bool next() {
    if (++i_ >= argc_) return false;
    if (is("--help") || is("-h")) {
      print_usage(stdout);
      std::exit(0);
    }
    return true;
  }

  bool is(std::string_view flag) const { return std::string_view(argv_[i_]) == flag; }

  // The value following the current flag.
  const char* value() {
    if (i_ + 1 >= argc_) fail("needs a value");
    return argv_[++i_];
  }

  // The value following the current flag, as an integer.
  template <std::integral T>
  T number() {
    const char* flag = argv_[i_];
    const std::string_view text = value();
    T n{};
    const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), n);
    if (error != std::errc{} || end != text.data() + text.size()) {
      std::fprintf(stderr, "%s: %s: '%s' is not a valid number\n", name_, flag, text.data());
      usage_error();
    }
    return n;
  }

  [[noreturn]] void reject() const { fail("unknown option"); }

 private:
  [[noreturn]] void fail(const char* what) const {
    std::fprintf(stderr, "%s: %s: %s\n", name_, argv_[i_], what);
    usage_error();
  }
  [[noreturn]] void usage_error() const {
    print_usage(stderr);
    std::exit(2);
  }
  void print_usage(std::FILE* to) const {
    std::fprintf(to, "usage: %s %s%s[--help]\n", name_, options_, *options_ ? " " : "");
  }

  int argc_;
  char** argv_;
  const char* name_;
  const char* options_;
  int i_ = 0;
};

// For the examples that take no options: accepts only --help.
inline void no_options(int argc, char** argv, const char* name) {
  args a(argc, argv, name, "");
  while (a.next()) a.reject();
}

}  // namespace cli
