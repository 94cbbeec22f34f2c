// The Go-style flag parser (app/go_flags.h) and Go duration syntax (base/duration.h):
// every accepted spelling, Go's error messages, and Go's usage layout.
#include "app/go_flags.h"

#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <vector>

#include "base/duration.h"

namespace flatnet {
namespace {

using namespace std::chrono_literals;
using app::FlagSet;

struct Options {
  std::string name;
  std::string out = "unset";
  bool json = true;
  int64_t count = -1;
  std::chrono::nanoseconds duration{-1};
};

void Define(FlagSet& flags, Options* o) {
  flags.String(&o->name, "name", "", "Required: name of the thing");
  flags.String(&o->out, "out-crt", "ca.crt", "Optional: where to write");
  flags.Bool(&o->json, "json", false, "Optional: json output");
  flags.Int(&o->count, "count", 3, "how many");
  flags.Duration(&o->duration, "duration", 8760h, "how long");
}

TEST(GoFlags, DefaultsAreSetWhenDefined) {
  Options o;
  FlagSet flags("t");
  Define(flags, &o);
  EXPECT_EQ(o.name, "");
  EXPECT_EQ(o.out, "ca.crt");
  EXPECT_FALSE(o.json);
  EXPECT_EQ(o.count, 3);
  EXPECT_EQ(o.duration, 8760h);
  ASSERT_TRUE(flags.Parse({}).ok());
  EXPECT_FALSE(flags.WasSet("name"));
}

TEST(GoFlags, EverySpellingOfAValue) {
  for (std::vector<std::string> args : std::vector<std::vector<std::string>>{
           {"-name", "x"}, {"--name", "x"}, {"-name=x"}, {"--name=x"}}) {
    Options o;
    FlagSet flags("t");
    Define(flags, &o);
    ASSERT_TRUE(flags.Parse(args).ok()) << args[0];
    EXPECT_EQ(o.name, "x") << args[0];
    EXPECT_TRUE(flags.WasSet("name"));
  }
}

TEST(GoFlags, ValuesMayContainEqualsAndLookLikeFlags) {
  Options o;
  FlagSet flags("t");
  Define(flags, &o);
  ASSERT_TRUE(flags.Parse({"-name=a=b", "-out-crt", "-weird"}).ok());
  EXPECT_EQ(o.name, "a=b");
  EXPECT_EQ(o.out, "-weird");  // a string flag takes the next word, whatever it is
}

TEST(GoFlags, BoolFlags) {
  Options o;
  FlagSet flags("t");
  Define(flags, &o);
  ASSERT_TRUE(flags.Parse({"-json", "rest"}).ok());
  EXPECT_TRUE(o.json);
  EXPECT_EQ(flags.args(), (std::vector<std::string>{"rest"}));  // bools take no argument
  for (const char* no : {"-json=false", "-json=0", "-json=F", "--json=FALSE"}) {
    ASSERT_TRUE(flags.Parse({"-json", no}).ok()) << no;
    EXPECT_FALSE(o.json) << no;
  }
  ASSERT_TRUE(flags.Parse({"-json=True"}).ok());
  EXPECT_TRUE(o.json);
  Status bad = flags.Parse({"-json=maybe"});
  EXPECT_EQ(bad.message(), "invalid boolean value \"maybe\" for -json: parse error");
}

TEST(GoFlags, RepeatedFlagKeepsTheLastValue) {
  Options o;
  FlagSet flags("t");
  Define(flags, &o);
  ASSERT_TRUE(flags.Parse({"-name", "a", "--name=b", "-name", "c"}).ok());
  EXPECT_EQ(o.name, "c");
}

TEST(GoFlags, IntsAndDurations) {
  Options o;
  FlagSet flags("t");
  Define(flags, &o);
  ASSERT_TRUE(flags.Parse({"-count", "0x10", "-duration", "1h30m"}).ok());
  EXPECT_EQ(o.count, 16);
  EXPECT_EQ(o.duration, 90min);
  ASSERT_TRUE(flags.Parse({"-count=-7", "-duration=100ms"}).ok());
  EXPECT_EQ(o.count, -7);
  EXPECT_EQ(o.duration, 100ms);
  EXPECT_EQ(flags.Parse({"-count", "ten"}).message(),
            "invalid value \"ten\" for flag -count: parse error");
  EXPECT_EQ(flags.Parse({"-count", "99999999999999999999"}).message(),
            "invalid value \"99999999999999999999\" for flag -count: value out of range");
  EXPECT_EQ(flags.Parse({"-duration", "abc"}).message(),
            "invalid value \"abc\" for flag -duration: parse error");
  EXPECT_EQ(flags.Parse({"-duration", "10"}).message(),
            "invalid value \"10\" for flag -duration: parse error");
}

TEST(GoFlags, ParsingStopsAtTheFirstNonFlagOrDoubleDash) {
  Options o;
  FlagSet flags("t");
  Define(flags, &o);
  ASSERT_TRUE(flags.Parse({"-name", "a", "sign", "-json"}).ok());
  EXPECT_EQ(flags.args(), (std::vector<std::string>{"sign", "-json"}));
  EXPECT_FALSE(o.json);
  ASSERT_TRUE(flags.Parse({"--", "-json"}).ok());
  EXPECT_EQ(flags.args(), (std::vector<std::string>{"-json"}));
  ASSERT_TRUE(flags.Parse({"-", "-json"}).ok());
  EXPECT_EQ(flags.args(), (std::vector<std::string>{"-", "-json"}));
}

TEST(GoFlags, ErrorsAreGos) {
  Options o;
  FlagSet flags("t");
  Define(flags, &o);
  EXPECT_EQ(flags.Parse({"-foo"}).message(), "flag provided but not defined: -foo");
  EXPECT_EQ(flags.Parse({"--foo=1"}).message(), "flag provided but not defined: -foo");
  EXPECT_EQ(flags.Parse({"-name"}).message(), "flag needs an argument: -name");
  EXPECT_EQ(flags.Parse({"---name", "x"}).message(), "bad flag syntax: ---name");
  EXPECT_EQ(flags.Parse({"-=x"}).message(), "bad flag syntax: -=x");
  EXPECT_EQ(flags.Parse({"-name=\x01"}).ok(), true);
  EXPECT_EQ(flags.Parse({"-count", "a\"b\n"}).message(),
            "invalid value \"a\\\"b\\n\" for flag -count: parse error");
}

TEST(GoFlags, HelpStopsParsingUnlessDefined) {
  Options o;
  FlagSet flags("t");
  Define(flags, &o);
  for (const char* help : {"-h", "-help", "--help", "--h"}) {
    ASSERT_TRUE(flags.Parse({help, "-foo"}).ok()) << help;
    EXPECT_TRUE(flags.help_requested()) << help;
  }
  bool own_h = false;
  flags.Bool(&own_h, "h", false, "defined here");
  ASSERT_TRUE(flags.Parse({"-h"}).ok());
  EXPECT_FALSE(flags.help_requested());
  EXPECT_TRUE(own_h);
}

TEST(GoFlags, UsageLooksLikeGosPrintDefaults) {
  Options o;
  FlagSet flags("t");
  Define(flags, &o);
  bool v = false;
  flags.Bool(&v, "v", false, "verbose");
  std::string path;
  flags.String(&path, "config", "", "Path to a `file` with the\nsettings");
  EXPECT_EQ(flags.Usage(),
            "  -config file\n"
            "    \tPath to a file with the\n"
            "    \tsettings\n"
            "  -count int\n"
            "    \thow many (default 3)\n"
            "  -duration duration\n"
            "    \thow long (default 8760h0m0s)\n"
            "  -json\n"
            "    \tOptional: json output\n"
            "  -name string\n"
            "    \tRequired: name of the thing\n"
            "  -out-crt string\n"
            "    \tOptional: where to write (default \"ca.crt\")\n"
            "  -v\tverbose\n");
}

TEST(GoDuration, ParsesGoSyntax) {
  struct Case {
    const char* text;
    std::chrono::nanoseconds want;
  } cases[] = {
      {"0", 0ns},
      {"8760h", 8760h},
      {"1h30m", 90min},
      {"10s", 10s},
      {"100ms", 100ms},
      {"1.5h", 90min},
      {"-1.5h", -90min},
      {"+5s", 5s},
      {".5s", 500ms},
      {"1.s", 1s},
      {"1us", 1us},
      {"1\xC2\xB5s", 1us},
      {"1\xCE\xBCs", 1us},
      {"3ns", 3ns},
      {"1h1m1s1ms1us1ns", 3661001001001ns},
      {"2562047h47m16.854775807s", std::chrono::nanoseconds(INT64_MAX)},
      {"0.000000001s", 1ns},
  };
  for (const Case& c : cases) {
    Result<std::chrono::nanoseconds> got = ParseGoDuration(c.text);
    ASSERT_TRUE(got.ok()) << c.text << ": " << got.status().message();
    EXPECT_EQ(*got, c.want) << c.text;
  }
}

TEST(GoDuration, RefusesWithGosMessages) {
  EXPECT_EQ(ParseGoDuration("").status().message(), "time: invalid duration \"\"");
  EXPECT_EQ(ParseGoDuration("abc").status().message(), "time: invalid duration \"abc\"");
  EXPECT_EQ(ParseGoDuration("10").status().message(), "time: missing unit in duration \"10\"");
  EXPECT_EQ(ParseGoDuration("10x").status().message(),
            "time: unknown unit \"x\" in duration \"10x\"");
  EXPECT_EQ(ParseGoDuration("1h 30m").status().message(),
            "time: unknown unit \"h \" in duration \"1h 30m\"");
  EXPECT_FALSE(ParseGoDuration("-").ok());
  EXPECT_FALSE(ParseGoDuration(".s").ok());
  EXPECT_FALSE(ParseGoDuration("2562048h").ok());               // overflows int64
  EXPECT_FALSE(ParseGoDuration("9223372036854775808ns").ok());  // one past the maximum
}

TEST(GoDuration, FormatsLikeGo) {
  EXPECT_EQ(FormatGoDuration(0ns), "0s");
  EXPECT_EQ(FormatGoDuration(8760h), "8760h0m0s");
  EXPECT_EQ(FormatGoDuration(90min), "1h30m0s");
  EXPECT_EQ(FormatGoDuration(1500ms), "1.5s");
  EXPECT_EQ(FormatGoDuration(100ms), "100ms");
  EXPECT_EQ(FormatGoDuration(1200us), "1.2ms");
  EXPECT_EQ(FormatGoDuration(1us), "1\xC2\xB5s");
  EXPECT_EQ(FormatGoDuration(7ns), "7ns");
  EXPECT_EQ(FormatGoDuration(-61s), "-1m1s");
  EXPECT_EQ(FormatGoDuration(std::chrono::nanoseconds(INT64_MAX)), "2562047h47m16.854775807s");
  EXPECT_EQ(FormatGoDuration(std::chrono::nanoseconds(INT64_MIN)), "-2562047h47m16.854775808s");
  for (std::chrono::nanoseconds d :
       {std::chrono::nanoseconds(1h + 2min + 3s + 4ms), std::chrono::nanoseconds(59s),
        std::chrono::nanoseconds(25h), std::chrono::nanoseconds(1001us)}) {
    EXPECT_EQ(*ParseGoDuration(FormatGoDuration(d)), d);
  }
}

TEST(GoFlags, UintsAsGoParsesThem) {
  uint64_t version = 7;
  app::FlagSet flags("ca");
  flags.Uint(&version, "version", 2, "Optional: version of the certificate format to use");
  EXPECT_EQ(version, 2u);
  EXPECT_EQ(flags.Usage(),
            "  -version uint\n    \tOptional: version of the certificate format to use (default "
            "2)\n");
  ASSERT_TRUE(flags.Parse({"-version", "0x10"}).ok());
  EXPECT_EQ(version, 16u);
  ASSERT_TRUE(flags.Parse({"-version=18446744073709551615"}).ok());
  EXPECT_EQ(version, UINT64_MAX);
  EXPECT_EQ(flags.Parse({"-version", "-1"}).message(),
            "invalid value \"-1\" for flag -version: parse error");
  EXPECT_EQ(flags.Parse({"-version", "+1"}).message(),
            "invalid value \"+1\" for flag -version: parse error");
  EXPECT_EQ(flags.Parse({"-version", "18446744073709551616"}).message(),
            "invalid value \"18446744073709551616\" for flag -version: value out of range");
  EXPECT_EQ(flags.Parse({"-version", ""}).message(),
            "invalid value \"\" for flag -version: parse error");
  uint64_t zero = 5;
  app::FlagSet other("sign");
  other.Uint(&zero, "version", 0, "Optional: version");
  EXPECT_EQ(other.Usage(), "  -version uint\n    \tOptional: version\n");  // 0 shows no default
}

}  // namespace
}  // namespace flatnet
