// CRC-32C, TFRecord framing, the Event encoding and event files, against reference bytes: the CRC
// vectors of RFC 3720 (B.4) and bytes that TensorBoard's own Python (its crc32c and the protobuf
// library's Event.SerializeToString) produces for the same input.
#include <gtest/gtest.h>

#include <filesystem>
#include <regex>

#include "absl/strings/escaping.h"
#include "core/crc32c.h"
#include "core/event_file.h"
#include "core/files.h"
#include "core/tfevents.h"
#include "core/tfrecord.h"

namespace sl {
namespace {
namespace fs = std::filesystem;

std::string hex(const std::string& bytes) { return absl::BytesToHexString(bytes); }

fs::path fresh_dir(const std::string& name) {
  const fs::path dir = fs::temp_directory_path() / (name + "_" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir;
}

TfEvent scalars_at(int64_t step, float value) {
  TfEvent e;
  e.wall_time = 1700000000.0 + static_cast<double>(step);
  e.step = step;
  e.scalars = {{"train_loss", value}, {"lr", 0.001f}};
  return e;
}

TEST(Crc32c, KnownVectors) {
  EXPECT_EQ(crc32c("123456789"), 0xE3069283u);
  EXPECT_EQ(crc32c(""), 0u);
  std::string ascending, descending;
  for (int i = 0; i < 32; ++i) {
    ascending.push_back(static_cast<char>(i));
    descending.push_back(static_cast<char>(31 - i));
  }
  EXPECT_EQ(crc32c(std::string(32, '\0')), 0x8A9136AAu);
  EXPECT_EQ(crc32c(std::string(32, '\xff')), 0x62A8AB43u);
  EXPECT_EQ(crc32c(ascending), 0x46DD794Eu);
  EXPECT_EQ(crc32c(descending), 0x113FDB5Cu);
  EXPECT_EQ(crc32c("6789", crc32c("12345")), 0xE3069283u);  // continued
}

TEST(Crc32c, MaskIsTensorFlows) {
  EXPECT_EQ(masked_crc32c("123456789"), 0xC78AB0E5u);
  EXPECT_EQ(crc32c_mask(0xE3069283u), 0xC78AB0E5u);
  EXPECT_EQ(crc32c_unmask(0xC78AB0E5u), 0xE3069283u);
}

TEST(TfRecord, FrameIsLengthCrcDataCrc) {
  // 05 00.. (uint64 5) | masked CRC of those 8 bytes | "hello" | masked CRC of "hello"
  EXPECT_EQ(hex(tfrecord_frame("hello")), "0500000000000000eab2043e68656c6c6fbb1f1c19");
  EXPECT_EQ(tfrecord_frame("").size(), 16u);
}

TEST(TfRecord, ScanStopsAtATornOrCorruptRecord) {
  const std::string file = tfrecord_frame("one") + tfrecord_frame("two");
  TfRecordScan whole = tfrecord_scan(file);
  EXPECT_EQ(whole.records, (std::vector<std::string>{"one", "two"}));
  EXPECT_EQ(whole.intact_bytes, file.size());
  EXPECT_EQ(whole.damage, "");

  const std::string third = tfrecord_frame("three");
  for (size_t cut = 1; cut < third.size(); ++cut) {  // every place a crash could cut a record
    TfRecordScan torn = tfrecord_scan(file + third.substr(0, cut));
    EXPECT_EQ(torn.records.size(), 2u) << cut;
    EXPECT_EQ(torn.intact_bytes, file.size()) << cut;
    EXPECT_NE(torn.damage, "") << cut;
  }
  std::string flipped = file;
  flipped[19 + 12] ^= 1;  // a data byte of the second record
  TfRecordScan corrupt = tfrecord_scan(flipped);
  EXPECT_EQ(corrupt.records, (std::vector<std::string>{"one"}));
  EXPECT_EQ(corrupt.intact_bytes, 19u);
  EXPECT_NE(corrupt.damage.find("data CRC at byte 19"), std::string::npos) << corrupt.damage;
}

TEST(TfEvents, EncodesTheBytesProtobufDoes) {
  TfEvent version;
  version.wall_time = 1700000000.5;
  version.file_version = std::string(kEventFileVersion);
  EXPECT_EQ(hex(encode_event(version)), "0900002040fc54d9411a0d627261696e2e4576656e743a32");

  TfEvent row;
  row.wall_time = 1700000000.25;
  row.step = 20;
  row.scalars = {{"train_loss", 2.5f}, {"lr", 0.001f}};
  EXPECT_EQ(hex(encode_event(row)),
            "0900001040fc54d94110142a1e0a110a0a747261696e5f6c6f737315000020400a090a026c72156f1283"
            "3a");

  TfEvent start;
  start.wall_time = 1.0;
  start.step = 301;
  start.session_start = true;
  EXPECT_EQ(hex(encode_event(start)), "09000000000000f03f10ad023a020801");

  TfEvent negative;
  negative.step = -1;
  EXPECT_EQ(hex(encode_event(negative)), "10ffffffffffffffffff01");
}

TEST(TfEvents, DecodesWhatItEncodes) {
  TfEvent e = scalars_at(1234567, 3.25f);
  auto back = decode_event(encode_event(e));
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(back->wall_time, 1700000000.0 + 1234567);
  EXPECT_EQ(back->step, 1234567);
  ASSERT_EQ(back->scalars.size(), 2u);
  EXPECT_EQ(back->scalars[0].first, "train_loss");
  EXPECT_EQ(back->scalars[0].second, 3.25f);
  EXPECT_EQ(back->scalars[1].second, 0.001f);
  EXPECT_FALSE(back->session_start);

  TfEvent start;
  start.step = -5;
  start.session_start = true;
  back = decode_event(encode_event(start));
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(back->step, -5);
  EXPECT_TRUE(back->session_start);

  EXPECT_FALSE(decode_event("\x0a\x05hi").ok());  // a length past the end
  EXPECT_FALSE(decode_event("\x0f").ok());        // wire type 7
}

TEST(EventFile, NamesSortInWriteOrderAndOpenWithTheVersion) {
  const fs::path dir = fresh_dir("sl_event_file_names");
  auto a = EventFileWriter::create((dir / "tb").string());  // the directory is made
  ASSERT_TRUE(a.ok()) << a.status();
  auto b = EventFileWriter::create((dir / "tb").string());  // within the same second
  ASSERT_TRUE(b.ok()) << b.status();
  const std::regex name(R"(events\.out\.tfevents\.(\d{10})\.[^/]+)");
  std::smatch ma, mb;
  const std::string fa = fs::path(a->path()).filename().string();
  const std::string fb = fs::path(b->path()).filename().string();
  ASSERT_TRUE(std::regex_match(fa, ma, name)) << fa;
  ASSERT_TRUE(std::regex_match(fb, mb, name)) << fb;
  EXPECT_EQ(std::stoll(mb[1]), std::stoll(ma[1]) + 1);
  EXPECT_EQ(event_files((dir / "tb").string()), (std::vector<std::string>{a->path(), b->path()}));
  EXPECT_NEAR(static_cast<double>(std::stoll(ma[1])), unix_seconds_now(), 5.0);

  ASSERT_TRUE(a->write(scalars_at(10, 2.0f)).ok());
  ASSERT_TRUE(a->sync().ok());
  const TfRecordScan scan = tfrecord_scan(*read_file(a->path()));
  ASSERT_EQ(scan.records.size(), 2u);
  EXPECT_EQ(scan.damage, "");
  EXPECT_EQ(decode_event(scan.records[0])->file_version, "brain.Event:2");
  EXPECT_EQ(decode_event(scan.records[1])->step, 10);
  EXPECT_EQ(event_files((dir / "missing").string()), std::vector<std::string>{});
}

TEST(EventFile, TrimKeepsStepsUpToTheCheckpointAndDropsDamage) {
  const fs::path dir = fresh_dir("sl_event_file_trim");
  auto first = EventFileWriter::create(dir.string());
  ASSERT_TRUE(first.ok());
  for (int64_t step : {10, 20, 30, 40}) ASSERT_TRUE(first->write(scalars_at(step, 1.0f)).ok());
  ASSERT_TRUE(append_bytes(first->path(), tfrecord_frame("torn").substr(0, 9)).ok());
  auto second = EventFileWriter::create(dir.string());  // a later session's, all past step 25
  ASSERT_TRUE(second.ok());
  ASSERT_TRUE(second->write(scalars_at(30, 1.0f)).ok());
  const fs::path temp = dir / (".tmp." + fs::path(first->path()).filename().string() + ".123");
  ASSERT_TRUE(append_bytes(temp.string(), "left by a killed rewrite").ok());

  auto last = trim_event_files(dir.string(), 25);
  ASSERT_TRUE(last.ok()) << last.status();
  EXPECT_EQ(*last, 20);
  EXPECT_EQ(event_files(dir.string()), std::vector<std::string>{first->path()});
  EXPECT_FALSE(fs::exists(temp));
  const TfRecordScan scan = tfrecord_scan(*read_file(first->path()));
  EXPECT_EQ(scan.damage, "");
  ASSERT_EQ(scan.records.size(), 3u);  // the version, steps 10 and 20
  EXPECT_EQ(decode_event(scan.records[0])->file_version, "brain.Event:2");
  EXPECT_EQ(decode_event(scan.records[2])->step, 20);

  const auto size = fs::file_size(first->path());
  EXPECT_EQ(*trim_event_files(dir.string(), 25), 20);  // nothing to change: left as it is
  EXPECT_EQ(fs::file_size(first->path()), size);
  EXPECT_EQ(*trim_event_files((dir / "missing").string(), 25), -1);
}
}  // namespace
}  // namespace sl
