// cp --journal's file: what one run records, the next run reads back, even
// after a kill tore the last line; and a journal of another copy is refused.
#include "s3loop/jobs/journal.hpp"

#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace s3loop::jobs {
namespace {

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
  const std::vector<std::string> keys = {
      "a", "with space", "new\nline", "\xc3\xa9t\xc3\xa9", "quote\"back\\slash", "trailing/"};
  {
    auto journal = CopyJournal::open(path_, "s3://src/p/", "s3://dst/q/").value();
    EXPECT_EQ(journal->finished_count(), 0u);
    for (const auto& key : keys) ASSERT_TRUE(journal->record(key).has_value());
    ASSERT_TRUE(journal->flush().has_value());
  }
  auto again = CopyJournal::open(path_, "s3://src/p/", "s3://dst/q/").value();
  EXPECT_EQ(again->finished_count(), keys.size());
  for (const auto& key : keys) EXPECT_TRUE(again->finished(key)) << key;
  EXPECT_FALSE(again->finished("b"));
  // One header line, one line per key: a key's newline is escaped.
  const std::string text = contents();
  EXPECT_EQ(std::count(text.begin(), text.end(), '\n'), static_cast<long>(keys.size() + 1));
}

TEST_F(JournalTest, BatchesReachTheFileWithoutAnExplicitFlush) {
  auto journal = CopyJournal::open(path_, "s3://s/", "s3://d/").value();
  for (std::size_t i = 0; i < CopyJournal::kBatchKeys; ++i) {
    ASSERT_TRUE(journal->record("k" + std::to_string(i)).has_value());
  }
  // A full batch is written (and fsync'ed) at once: a kill now loses nothing.
  auto reader = CopyJournal::open(path_, "s3://s/", "s3://d/").value();
  EXPECT_EQ(reader->finished_count(), CopyJournal::kBatchKeys);
}

TEST_F(JournalTest, ATornLastLineIsIgnoredAndNotGluedToTheNextKey) {
  {
    auto journal = CopyJournal::open(path_, "s3://s/", "s3://d/").value();
    ASSERT_TRUE(journal->record("done").has_value());
  }
  {
    std::ofstream out(path_, std::ios::app | std::ios::binary);
    out << "\"half-writ";  // a kill in the middle of a write
  }
  {
    auto journal = CopyJournal::open(path_, "s3://s/", "s3://d/").value();
    EXPECT_TRUE(journal->finished("done"));
    EXPECT_FALSE(journal->finished("half-writ"));
    EXPECT_EQ(journal->finished_count(), 1u);
    ASSERT_TRUE(journal->record("next").has_value());
  }
  auto journal = CopyJournal::open(path_, "s3://s/", "s3://d/").value();
  EXPECT_TRUE(journal->finished("next"));
  EXPECT_EQ(journal->finished_count(), 2u);
}

TEST_F(JournalTest, AJournalOfAnotherCopyIsAUsageError) {
  { auto journal = CopyJournal::open(path_, "s3://s/a/", "s3://d/").value(); }
  auto other = CopyJournal::open(path_, "s3://s/b/", "s3://d/");
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
  auto journal = CopyJournal::open(path_, "s3://s/", "s3://d/");
  ASSERT_FALSE(journal.has_value());
  EXPECT_EQ(journal.error().kind, ErrorKind::usage);
  // And it was not touched.
  EXPECT_EQ(contents(), "key1\nkey2\n");
}

// Paths the user must change (exit 2), refused before anything is copied,
// by a dry run too.
TEST_F(JournalTest, APathInAMissingDirectoryOrADirectoryIsAUsageError) {
  for (bool read_only : {false, true}) {
    auto missing = CopyJournal::open("/nonexistent-dir/j", "s3://s/", "s3://d/", read_only);
    ASSERT_FALSE(missing.has_value());
    EXPECT_EQ(missing.error().kind, ErrorKind::usage);
    EXPECT_NE(missing.error().message.find("/nonexistent-dir/j"), std::string::npos);
    EXPECT_NE(missing.error().message.find("/nonexistent-dir does not exist"), std::string::npos)
        << missing.error().message;
    auto directory = CopyJournal::open("/tmp", "s3://s/", "s3://d/", read_only);
    ASSERT_FALSE(directory.has_value());
    EXPECT_EQ(directory.error().kind, ErrorKind::usage);
    EXPECT_NE(directory.error().message.find("/tmp is a directory"), std::string::npos)
        << directory.error().message;
  }
}

TEST_F(JournalTest, ReadOnlyNeitherCreatesNorWritesTheFile) {
  {
    auto journal = CopyJournal::open(path_, "s3://s/", "s3://d/", /*read_only=*/true).value();
    EXPECT_EQ(journal->finished_count(), 0u);
    EXPECT_TRUE(journal->record("k").has_value());
    EXPECT_TRUE(journal->flush().has_value());
  }
  EXPECT_FALSE(std::ifstream(path_).good()) << "a read-only journal was created";
  {
    auto journal = CopyJournal::open(path_, "s3://s/", "s3://d/").value();
    ASSERT_TRUE(journal->record("done").has_value());
  }
  {
    std::ofstream out(path_, std::ios::binary | std::ios::app);
    out << "\"torn";
  }
  const std::string before = contents();
  {
    auto journal = CopyJournal::open(path_, "s3://s/", "s3://d/", /*read_only=*/true).value();
    EXPECT_TRUE(journal->finished("done"));
    EXPECT_EQ(journal->finished_count(), 1u);
    EXPECT_TRUE(journal->record("more").has_value());
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
  auto journal = CopyJournal::open(path_, "s3://s/", "s3://d/");
  ASSERT_FALSE(journal.has_value());
  EXPECT_EQ(journal.error().kind, ErrorKind::usage);
  EXPECT_EQ(contents(), "precious");
}

}  // namespace
}  // namespace s3loop::jobs
