// ZipWriter: what it writes reads back (names, contents, CRCs, Unix modes), small text is
// deflated and incompressible data stored, and names that would unpack outside the folder
// are refused. The bundle lab (tests/lab/bundle_nebula_test.sh) unpacks one with unzip.
#include "onboard/zip_writer.h"

#include <gtest/gtest.h>

#include "crypto/random.h"
#include "onboard_zip_test_support.h"

namespace flatnet::onboard {
namespace {

TEST(ZipWriter, EntriesReadBackWithTheirModes) {
  ZipWriter zip;
  std::string text(5000, 'a');
  std::string noise(4096, '\0');
  crypto::RandomBytes(MutableByteSpan(reinterpret_cast<uint8_t*>(noise.data()), noise.size()));
  ASSERT_TRUE(zip.Add("m/config.yml", text, 0644).ok());
  ASSERT_TRUE(zip.Add("m/host.key", "secret\n", 0600).ok());
  ASSERT_TRUE(zip.Add("m/nebula", noise, 0755).ok());
  ASSERT_TRUE(zip.Add("m/empty", "", 0644).ok());
  std::string archive = zip.Finish();
  auto entries = testing::ReadZip(archive);
  ASSERT_EQ(entries.size(), 4u);
  EXPECT_EQ(entries["m/config.yml"].content, text);
  EXPECT_EQ(entries["m/config.yml"].mode, 0644u);
  EXPECT_EQ(entries["m/host.key"].content, "secret\n");
  EXPECT_EQ(entries["m/host.key"].mode, 0600u);
  EXPECT_EQ(entries["m/nebula"].content, noise);
  EXPECT_EQ(entries["m/nebula"].mode, 0755u);
  EXPECT_EQ(entries["m/empty"].content, "");
  // 5000 'a's deflate to a few bytes; the random 4 KiB is stored as it is.
  EXPECT_LT(archive.size(), noise.size() + 1000);
}

TEST(ZipWriter, RefusesNamesThatLeaveTheFolder) {
  ZipWriter zip;
  for (const char* bad : {"", "/etc/passwd", "../x", "a/../../x", "a//b", "a/", "a\\b", "./a"}) {
    Status s = zip.Add(bad, "x", 0644);
    EXPECT_FALSE(s.ok()) << bad;
    if (!s.ok()) {
      EXPECT_NE(s.message().find("bad entry name"), std::string::npos);
    }
  }
  EXPECT_TRUE(testing::ReadZip(zip.Finish()).empty());
}

}  // namespace
}  // namespace flatnet::onboard
