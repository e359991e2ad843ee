// cp --journal's file: what one run records, the next run reads back, even
// after a kill tore the last line; a changed source object is not finished;
// the batch age holds without another key; and a journal of another copy or
// endpoint, or of format 1, is refused. Multipart uploads recorded and not
// ended are open in the next run; format 2 (no upload lines) is read.
#include "s3loop/jobs/journal.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

namespace s3loop::jobs {
namespace {

const std::string kEndpoint = "https://127.0.0.1:9443";
const JournalScope kScope{kEndpoint, "s3://s/", "s3://d/"};
const JournalScope kScopePQ{kEndpoint, "s3://src/p/", "s3://dst/q/"};
constexpr std::string_view kEtag = "9e107d9d372bb6826bd81d3542a419d6";

class JournalTest : public ::testing::Test {
 protected:
  void SetUp() override {
    path_ = (std::filesystem::temp_directory_path() /
             ("s3loop-journal-test-" + std::to_string(::getpid()) + "-" +
              ::testing::UnitTest::GetInstance()->current_test_info()->name()))
                .string();
    std::filesystem::remove(path_);
  }
  void TearDown() override { std::filesystem::remove(path_); }
  std::string contents() const {
    std::ifstream in(path_, std::ios::binary);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
  }
  std::string path_;
};

TEST_F(JournalTest, KeysRecordedInOneRunAreFinishedInTheNext) {
  const std::vector<std::string> keys = {"a",
                                         "with space",
                                         "new\nline",
                                         "carriage\rreturn",
                                         "tab\there",
                                         std::string("ctl\x01\x1f\x7f", 6),
                                         "\xc3\xa9t\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80",
                                         "quote\"back\\slash",
                                         "plus+percent%20tilde~",
                                         "double//slash",
                                         "trailing/"};
  {
    auto journal = CopyJournal::open(path_, kScopePQ).value();
    EXPECT_EQ(journal->finished_count(), 0u);
    for (const auto& key : keys) ASSERT_TRUE(journal->record(key, kEtag, 1).has_value());
    ASSERT_TRUE(journal->flush().has_value());
  }
  auto again = CopyJournal::open(path_, kScopePQ).value();
  EXPECT_EQ(again->finished_count(), keys.size());
  for (const auto& key : keys) EXPECT_TRUE(again->finished(key, kEtag, 1)) << key;
  EXPECT_FALSE(again->finished("b", kEtag, 1));
  // One header line, one line per key: a key's newline is escaped.
  const std::string text = contents();
  EXPECT_EQ(std::count(text.begin(), text.end(), '\n'), static_cast<long>(keys.size() + 1));
}

// Polls the file (as a rerun would read it) until it holds `keys` finished
// keys or `limit` has passed; returns how many it held last.
std::uint64_t keys_on_disk_within(const std::string& path, std::uint64_t keys,
                                  std::chrono::milliseconds limit) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  std::uint64_t seen = 0;
  for (;;) {
    seen = CopyJournal::open(path, kScope, /*read_only=*/true).value()->finished_count();
    if (seen >= keys || std::chrono::steady_clock::now() >= deadline) return seen;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
}

TEST_F(JournalTest, BatchesReachTheFileWithoutAnExplicitFlush) {
  auto journal = CopyJournal::open(path_, kScope).value();
  for (std::size_t i = 0; i < CopyJournal::kBatchKeys; ++i) {
    ASSERT_TRUE(journal->record("k" + std::to_string(i), kEtag, 1).has_value());
  }
  // A full batch is written (and fsync'ed) by the flush thread: a kill soon
  // after loses nothing.
  EXPECT_EQ(keys_on_disk_within(path_, CopyJournal::kBatchKeys, std::chrono::seconds(5)),
            CopyJournal::kBatchKeys);
}

// The batch age holds on its own: a key finished while nothing else finishes
// (a long multipart copy runs) reaches the disk anyway.
TEST_F(JournalTest, ALoneKeyReachesTheFileWithinTheBatchAge) {
  auto journal = CopyJournal::open(path_, kScope).value();
  const auto recorded = std::chrono::steady_clock::now();
  ASSERT_TRUE(journal->record("lone", kEtag, 1).has_value());
  // kBatchAge, and room for a loaded machine's scheduling and fsync.
  EXPECT_EQ(keys_on_disk_within(path_, 1, CopyJournal::kBatchAge + std::chrono::seconds(2)), 1u);
  const auto took = std::chrono::steady_clock::now() - recorded;
  EXPECT_GE(took, CopyJournal::kBatchAge - std::chrono::milliseconds(20))
      << "written before the batch was old enough: not batching";
}

// A source overwritten since its copy (same key, other content) is copied
// again: only the ETag and size recorded with the key make it finished.
TEST_F(JournalTest, AKeyIsFinishedOnlyWithTheRecordedEtagAndSize) {
  {
    auto journal = CopyJournal::open(path_, kScope).value();
    ASSERT_TRUE(journal->record("k", "etag-one", 4).has_value());
    ASSERT_TRUE(journal->record("no-etag", "", 4).has_value());
  }
  auto journal = CopyJournal::open(path_, kScope).value();
  EXPECT_TRUE(journal->finished("k", "etag-one", 4));
  EXPECT_FALSE(journal->finished("k", "etag-two", 4)) << "an overwritten source was skipped";
  EXPECT_FALSE(journal->finished("k", "etag-one", 5));
  EXPECT_FALSE(journal->finished("no-etag", "", 4)) << "an empty ETag let the key alone decide";
  // Copied again, recorded again: the newer line counts.
  ASSERT_TRUE(journal->record("k", "etag-two", 4).has_value());
  ASSERT_TRUE(journal->flush().has_value());
  auto again = CopyJournal::open(path_, kScope, /*read_only=*/true).value();  // (locked)
  EXPECT_TRUE(again->finished("k", "etag-two", 4));
  EXPECT_FALSE(again->finished("k", "etag-one", 4));
}

TEST_F(JournalTest, AJournalOfAnotherEndpointIsAUsageError) {
  { auto journal = CopyJournal::open(path_, kScope).value(); }
  EXPECT_NE(contents().find("\"endpoint\":\"https://127.0.0.1:9443\""), std::string::npos)
      << contents();
  const std::string before = contents();
  auto other =
      CopyJournal::open(path_, JournalScope{"https://s3.example.com:443", "s3://s/", "s3://d/"});
  ASSERT_FALSE(other.has_value());
  EXPECT_EQ(other.error().kind, ErrorKind::usage);
  EXPECT_NE(other.error().message.find("another endpoint (https://127.0.0.1:9443)"),
            std::string::npos)
      << other.error().message;
  EXPECT_EQ(contents(), before);
}

// Format 1 kept keys without ETags or endpoint: refused, and left as it was.
TEST_F(JournalTest, AFormatOneJournalIsRefusedUntouched) {
  const std::string old =
      "{\"s3loop_journal\":1,\"source\":\"s3://s/\",\"destination\":\"s3://d/\"}\n\"k\"\n";
  {
    std::ofstream out(path_, std::ios::binary);
    out << old;
  }
  for (bool read_only : {false, true}) {
    auto journal = CopyJournal::open(path_, kScope, read_only);
    ASSERT_FALSE(journal.has_value());
    EXPECT_EQ(journal.error().kind, ErrorKind::usage);
    EXPECT_NE(journal.error().message.find("older s3loop"), std::string::npos)
        << journal.error().message;
    EXPECT_NE(journal.error().message.find("new --journal file"), std::string::npos);
  }
  EXPECT_EQ(contents(), old);
}

TEST_F(JournalTest, AKeyLineWithoutEtagAndSizeIsRefused) {
  { auto journal = CopyJournal::open(path_, kScope).value(); }
  {
    std::ofstream out(path_, std::ios::binary | std::ios::app);
    out << "\"bare-key\"\n";
  }
  auto journal = CopyJournal::open(path_, kScope);
  ASSERT_FALSE(journal.has_value());
  EXPECT_EQ(journal.error().kind, ErrorKind::usage);
  EXPECT_NE(journal.error().message.find("line 2 is neither a finished key"), std::string::npos)
      << journal.error().message;
}

// An editor's last newline, or a blank line in the middle, refused the whole
// journal ("line N is not s3loop journal JSON; pass another --journal file").
TEST_F(JournalTest, BlankLinesAreNoReasonToRefuseAJournal) {
  {
    auto journal = CopyJournal::open(path_, kScope).value();
    ASSERT_TRUE(journal->record("a", kEtag, 1).has_value());
  }
  {
    std::ofstream out(path_, std::ios::binary | std::ios::app);
    out << "\n  \t\r\n";
  }
  {
    auto journal = CopyJournal::open(path_, kScope).value();
    EXPECT_TRUE(journal->finished("a", kEtag, 1));
    ASSERT_TRUE(journal->record("b", kEtag, 2).has_value());
  }
  auto journal = CopyJournal::open(path_, kScope).value();
  EXPECT_TRUE(journal->finished("a", kEtag, 1));
  EXPECT_TRUE(journal->finished("b", kEtag, 2));
}

// ...but a first line, where the header goes, that is blank is no journal
// (`echo > j`): taken, its header would go on line 2, which the next run
// refuses as no finished key.
TEST_F(JournalTest, AFileOfOneBlankLineIsNoJournal) {
  {
    std::ofstream out(path_, std::ios::binary);
    out << "\n";
  }
  auto journal = CopyJournal::open(path_, kScope);
  ASSERT_FALSE(journal.has_value());
  EXPECT_NE(journal.error().message.find("line 1 is not s3loop journal JSON"), std::string::npos)
      << journal.error().message;
}

// A journal opened on a file that held one resumes it; a new one does not.
TEST_F(JournalTest, SaysWhetherItResumesAnEarlierRun) {
  EXPECT_FALSE(CopyJournal::open(path_, kScope, /*read_only=*/true).value()->resumed());
  EXPECT_FALSE(CopyJournal::open(path_, kScope).value()->resumed());
  EXPECT_TRUE(CopyJournal::open(path_, kScope).value()->resumed());
  EXPECT_TRUE(CopyJournal::open(path_, kScope, /*read_only=*/true).value()->resumed());
}

TEST_F(JournalTest, AJournalOfANewerFormatIsRefusedUntouched) {
  const std::string newer =
      "{\"s3loop_journal\":4,\"endpoint\":\"https://127.0.0.1:9443\",\"source\":\"s3://s/\","
      "\"destination\":\"s3://d/\"}\n";
  {
    std::ofstream out(path_, std::ios::binary);
    out << newer;
  }
  for (bool read_only : {false, true}) {
    auto journal = CopyJournal::open(path_, kScope, read_only);
    ASSERT_FALSE(journal.has_value());
    EXPECT_EQ(journal.error().kind, ErrorKind::usage);
    EXPECT_NE(journal.error().message.find("a newer s3loop"), std::string::npos)
        << journal.error().message;
  }
  EXPECT_EQ(contents(), newer);
}

// A kill during the very first write leaves part of the header: nothing was
// recorded yet, and the journal starts again rather than being refused.
TEST_F(JournalTest, AHeaderTornByAKillIsWrittenAgain) {
  {
    std::ofstream out(path_, std::ios::binary);
    out << "{\"s3loop_journal\":3,\"endpoi";
  }
  {
    auto journal = CopyJournal::open(path_, kScope);
    ASSERT_TRUE(journal.has_value()) << journal.error().message;
    EXPECT_EQ((*journal)->finished_count(), 0u);
    ASSERT_TRUE((*journal)->record("k", kEtag, 1).has_value());
  }
  const std::string text = contents();
  EXPECT_TRUE(text.starts_with("{\"s3loop_journal\":3,\"endpoint\":")) << text;
  EXPECT_EQ(text.find("endpoi\""), std::string::npos) << text;  // the torn piece is gone
  auto journal = CopyJournal::open(path_, kScope).value();
  EXPECT_TRUE(journal->finished("k", kEtag, 1));
}

TEST_F(JournalTest, ATornLastLineIsIgnoredAndNotGluedToTheNextKey) {
  {
    auto journal = CopyJournal::open(path_, kScope).value();
    ASSERT_TRUE(journal->record("done", kEtag, 1).has_value());
  }
  {
    std::ofstream out(path_, std::ios::app | std::ios::binary);
    out << "\"half-writ";  // a kill in the middle of a write
  }
  {
    auto journal = CopyJournal::open(path_, kScope).value();
    EXPECT_TRUE(journal->finished("done", kEtag, 1));
    EXPECT_FALSE(journal->finished("half-writ", kEtag, 1));
    EXPECT_EQ(journal->finished_count(), 1u);
    ASSERT_TRUE(journal->record("next", kEtag, 1).has_value());
  }
  auto journal = CopyJournal::open(path_, kScope).value();
  EXPECT_TRUE(journal->finished("next", kEtag, 1));
  EXPECT_EQ(journal->finished_count(), 2u);
}

TEST_F(JournalTest, AJournalOfAnotherCopyIsAUsageError) {
  {
    auto journal =
        CopyJournal::open(path_, JournalScope{kEndpoint, "s3://s/a/", "s3://d/"}).value();
  }
  auto other = CopyJournal::open(path_, JournalScope{kEndpoint, "s3://s/b/", "s3://d/"});
  ASSERT_FALSE(other.has_value());
  EXPECT_EQ(other.error().kind, ErrorKind::usage);
  EXPECT_NE(other.error().message.find("another copy"), std::string::npos);
  EXPECT_NE(other.error().message.find("s3://s/a/"), std::string::npos);
}

TEST_F(JournalTest, AFileThatIsNotAJournalIsRefused) {
  {
    std::ofstream out(path_, std::ios::binary);
    out << "key1\nkey2\n";
  }
  auto journal = CopyJournal::open(path_, kScope);
  ASSERT_FALSE(journal.has_value());
  EXPECT_EQ(journal.error().kind, ErrorKind::usage);
  // And it was not touched.
  EXPECT_EQ(contents(), "key1\nkey2\n");
}

// Paths the user must change (exit 2), refused before anything is copied,
// by a dry run too.
TEST_F(JournalTest, APathInAMissingDirectoryOrADirectoryIsAUsageError) {
  for (bool read_only : {false, true}) {
    auto missing = CopyJournal::open("/nonexistent-dir/j", kScope, read_only);
    ASSERT_FALSE(missing.has_value());
    EXPECT_EQ(missing.error().kind, ErrorKind::usage);
    EXPECT_NE(missing.error().message.find("/nonexistent-dir/j"), std::string::npos);
    EXPECT_NE(missing.error().message.find("/nonexistent-dir does not exist"), std::string::npos)
        << missing.error().message;
    // In the root directory: its directory is "/", which exists.
    auto root = CopyJournal::open("/s3loop-no-such-journal", kScope, /*read_only=*/true);
    EXPECT_TRUE(root.has_value()) << root.error().message;
    auto directory = CopyJournal::open("/tmp", kScope, read_only);
    ASSERT_FALSE(directory.has_value());
    EXPECT_EQ(directory.error().kind, ErrorKind::usage);
    EXPECT_NE(directory.error().message.find("/tmp is a directory"), std::string::npos)
        << directory.error().message;
  }
}

TEST_F(JournalTest, OneRunAtATimeWritesAJournal) {
  // Two runs on one journal would each copy what the other has not recorded
  // yet, and record every key twice. (flock: per open file, so a second open
  // in this process is refused as another process would be.)
  auto first = CopyJournal::open(path_, kScope).value();
  ASSERT_TRUE(first->record("a", kEtag, 1).has_value());
  auto second = CopyJournal::open(path_, kScope);
  ASSERT_FALSE(second.has_value());
  EXPECT_EQ(second.error().kind, ErrorKind::usage);
  EXPECT_EQ(second.error().message, "journal " + path_ +
                                        " is in use by another s3loop cp: wait for that run to "
                                        "end, or pass another --journal file");
  // A dry run only reads it.
  EXPECT_TRUE(CopyJournal::open(path_, kScope, /*read_only=*/true).has_value());
  first.reset();  // the run ends: the lock goes with its descriptor
  auto next = CopyJournal::open(path_, kScope);
  ASSERT_TRUE(next.has_value()) << next.error().message;
  EXPECT_TRUE((*next)->finished("a", kEtag, 1));
}

TEST_F(JournalTest, ReadOnlyNeitherCreatesNorWritesTheFile) {
  {
    auto journal = CopyJournal::open(path_, kScope, /*read_only=*/true).value();
    EXPECT_EQ(journal->finished_count(), 0u);
    EXPECT_TRUE(journal->record("k", kEtag, 1).has_value());
    EXPECT_TRUE(journal->flush().has_value());
  }
  EXPECT_FALSE(std::ifstream(path_).good()) << "a read-only journal was created";
  {
    auto journal = CopyJournal::open(path_, kScope).value();
    ASSERT_TRUE(journal->record("done", kEtag, 1).has_value());
  }
  {
    std::ofstream out(path_, std::ios::binary | std::ios::app);
    out << "\"torn";
  }
  const std::string before = contents();
  {
    auto journal = CopyJournal::open(path_, kScope, /*read_only=*/true).value();
    EXPECT_TRUE(journal->finished("done", kEtag, 1));
    EXPECT_EQ(journal->finished_count(), 1u);
    EXPECT_TRUE(journal->record("more", kEtag, 1).has_value());
  }
  EXPECT_EQ(contents(), before);
}

}  // namespace
}  // namespace s3loop::jobs

namespace s3loop::jobs {
namespace {

TEST_F(JournalTest, AnotherFileWithoutATrailingNewlineIsLeftAlone) {
  {
    std::ofstream out(path_, std::ios::binary);
    out << "precious";
  }
  auto journal = CopyJournal::open(path_, kScope);
  ASSERT_FALSE(journal.has_value());
  EXPECT_EQ(journal.error().kind, ErrorKind::usage);
  EXPECT_EQ(contents(), "precious");
}

// An upload reaches the disk on its own (a kill during the copy must find
// it); the next run sees the ones never ended, whatever their keys.
TEST_F(JournalTest, UploadsNotEndedAreOpenInTheNextRun) {
  const std::string odd_key = "new\nline \xc3\xa9 quote\"";
  {
    auto journal = CopyJournal::open(path_, kScope).value();
    EXPECT_TRUE(journal->open_uploads().empty());
    ASSERT_TRUE(journal->record_upload("big/one", "upload-1").has_value());
    // Written by the flush thread without flush() or another record (at once,
    // not after the batch age: a timing this test does not hold it to).
    const std::string line = "{\"upload\":\"upload-1\",\"key\":\"big/one\"}\n";
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (contents().find(line) == std::string::npos &&
           std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    EXPECT_NE(contents().find(line), std::string::npos) << contents();
    ASSERT_TRUE(journal->record_upload(odd_key, "upload-2").has_value());
    ASSERT_TRUE(journal->record_upload("big/three", "upload-3").has_value());
    ASSERT_TRUE(journal->record_upload_ended("upload-1").has_value());
    ASSERT_TRUE(journal->record_upload_ended("upload-3").has_value());
    ASSERT_TRUE(journal->record("k", kEtag, 5).has_value());
  }
  auto journal = CopyJournal::open(path_, kScope).value();
  ASSERT_EQ(journal->open_uploads().size(), 1u);
  EXPECT_EQ(journal->open_uploads()[0].key, odd_key);
  EXPECT_EQ(journal->open_uploads()[0].upload_id, "upload-2");
  EXPECT_TRUE(journal->finished("k", kEtag, 5));
  // Ended in this run: gone from the next.
  ASSERT_TRUE(journal->record_upload_ended("upload-2").has_value());
  journal.reset();
  EXPECT_TRUE(CopyJournal::open(path_, kScope).value()->open_uploads().empty());
}

// A dry run reads the open uploads and writes nothing.
TEST_F(JournalTest, AReadOnlyJournalListsOpenUploadsAndRecordsNone) {
  { ASSERT_TRUE(CopyJournal::open(path_, kScope).value()->record_upload("a", "u").has_value()); }
  const std::string before = contents();
  {
    auto journal = CopyJournal::open(path_, kScope, /*read_only=*/true).value();
    ASSERT_EQ(journal->open_uploads().size(), 1u);
    EXPECT_TRUE(journal->record_upload("b", "v").has_value());
    EXPECT_TRUE(journal->record_upload_ended("u").has_value());
  }
  EXPECT_EQ(contents(), before);
}

// Format 2 is format 3 without upload lines: its keys still count, and the
// file is appended to as it is. A new journal is format 3.
TEST_F(JournalTest, AFormatTwoJournalIsReadAndANewOneIsFormatThree) {
  {
    std::ofstream out(path_, std::ios::binary);
    out << "{\"s3loop_journal\":2,\"endpoint\":\"" << kEndpoint
        << "\",\"source\":\"s3://s/\",\"destination\":\"s3://d/\"}\n"
        << "[\"k\",\"" << kEtag << "\",7]\n";
  }
  {
    auto journal = CopyJournal::open(path_, kScope).value();
    EXPECT_TRUE(journal->finished("k", kEtag, 7));
    ASSERT_TRUE(journal->record_upload("big", "u").has_value());
  }
  EXPECT_EQ(CopyJournal::open(path_, kScope).value()->open_uploads().size(), 1u);
  std::filesystem::remove(path_);
  { auto journal = CopyJournal::open(path_, kScope).value(); }
  EXPECT_TRUE(contents().starts_with("{\"s3loop_journal\":3,")) << contents();
}

// An object line that is neither an upload nor its end is no journal of ours.
TEST_F(JournalTest, AMalformedUploadLineIsRefused) {
  for (const std::string line : {"{\"upload\":5,\"key\":\"k\"}", "{\"upload\":\"u\"}",
                                 "{\"ended\":\"u\",\"key\":\"k\"}", "{\"other\":\"u\"}"}) {
    SCOPED_TRACE(line);
    std::filesystem::remove(path_);
    { auto journal = CopyJournal::open(path_, kScope).value(); }
    {
      std::ofstream out(path_, std::ios::binary | std::ios::app);
      out << line << "\n";
    }
    auto journal = CopyJournal::open(path_, kScope);
    ASSERT_FALSE(journal.has_value());
    EXPECT_EQ(journal.error().kind, ErrorKind::usage);
    EXPECT_NE(journal.error().message.find("line 2"), std::string::npos) << journal.error().message;
  }
}

}  // namespace
}  // namespace s3loop::jobs
