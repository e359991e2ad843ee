// Shared config/credentials parsing and resolution, with a fake environment
// and file system so no real HOME is touched.
#include "s3/python_space.hpp"
#include "s3loop/s3/config.hpp"

#include <gtest/gtest.h>
#include <pwd.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <map>
#include <set>
#include <vector>

namespace s3loop::s3 {
namespace {

struct Fake {
  std::map<std::string, std::string> env{{"HOME", "/home/u"}};
  std::map<std::string, std::string> files;

  EnvLookup env_fn() const {
    return [this](std::string_view name) -> std::optional<std::string> {
      auto it = env.find(std::string(name));
      if (it == env.end()) return std::nullopt;
      return it->second;
    };
  }
  std::set<std::string> unreadable;

  FileReader reader() const {
    return [this](const std::string& path) -> Result<std::optional<std::string>> {
      if (unreadable.contains(path)) return make_error(ErrorKind::config, "Permission denied");
      auto it = files.find(path);
      if (it == files.end()) return std::optional<std::string>();
      return std::optional<std::string>(it->second);
    };
  }
  // credential_process: what the fake command does, and what it was asked to run.
  Result<ProcessOutput> process_result = ProcessOutput{};
  mutable std::vector<std::vector<std::string>> ran;

  ProcessRunner runner() const {
    return [this](const std::vector<std::string>& argv,
                  const std::atomic<bool>*) -> Result<ProcessOutput> {
      ran.push_back(argv);
      return process_result;
    };
  }
  Result<ResolvedConfig> resolve(const ConfigOverrides& flags = {}) const {
    return resolve_config(flags, env_fn(), reader(), runner());
  }
};

constexpr const char* kCreds = "/home/u/.aws/credentials";
constexpr const char* kConfig = "/home/u/.aws/config";

// One flag set each (designated initialisers would trip -Wmissing-field-initializers).
ConfigOverrides profile_flag(std::string v) {
  ConfigOverrides o;
  o.profile = std::move(v);
  return o;
}
ConfigOverrides region_flag(std::string v) {
  ConfigOverrides o;
  o.region = std::move(v);
  return o;
}
ConfigOverrides endpoint_flag(std::string v) {
  ConfigOverrides o;
  o.endpoint_url = std::move(v);
  return o;
}
ConfigOverrides ca_flag(std::string v) {
  ConfigOverrides o;
  o.ca_bundle = std::move(v);
  return o;
}
ConfigOverrides style_flag(AddressingStyle v) {
  ConfigOverrides o;
  o.addressing_style = v;
  return o;
}

// --- parse_ini ---

TEST(S3ConfigIni, SectionsKeysCommentsWhitespace) {
  auto ini = parse_ini(
      "# leading comment\n"
      "; another\n"
      "\n"
      "[default]\r\n"
      "  Aws_Access_Key_Id = AKID \r\n"
      "aws_secret_access_key=se/cr+et==\n"
      "\t# indented comment\n"
      "region: eu-west-1\n"
      "endpoint_url = http://host:9000 # not a comment\n"
      "output = json\n"
      "[ profile  dev ]\n"
      "region =\n");
  ASSERT_TRUE(ini.has_value()) << ini.error().message;
  const auto& def = ini->at("default");
  EXPECT_EQ(def.at("aws_access_key_id"), "AKID");
  EXPECT_EQ(def.at("aws_secret_access_key"), "se/cr+et==");
  EXPECT_EQ(def.at("region"), "eu-west-1");
  EXPECT_EQ(def.at("endpoint_url"), "http://host:9000 # not a comment");
  EXPECT_EQ(def.at("output"), "json");
  EXPECT_EQ(ini->at(" profile  dev ").at("region"), "");  // configparser keeps the blanks
  EXPECT_EQ(ini->size(), 2u);
}

TEST(S3ConfigIni, NestedS3Block) {
  auto ini = parse_ini(
      "[profile minio]\n"
      "region = us-east-1\n"
      "s3 =\n"
      "  addressing_style = path\n"
      "\n"
      "  # still inside the block\n"
      "  Endpoint_URL = https://minio.local:9000\n"
      "    deeper = still the block\n"
      "output = text\n");
  ASSERT_TRUE(ini.has_value()) << ini.error().message;
  const auto& p = ini->at("profile minio");
  EXPECT_EQ(p.at("s3.addressing_style"), "path");
  // Its keys keep their case, as botocore's _parse_nested keeps it.
  EXPECT_EQ(p.at("s3.Endpoint_URL"), "https://minio.local:9000");
  EXPECT_FALSE(p.contains("s3.endpoint_url"));
  EXPECT_EQ(p.at("s3.deeper"), "still the block");
  EXPECT_EQ(p.at("s3"), "");
  EXPECT_EQ(p.at("output"), "text");
  // A plain key spelled as a block's is none of its settings (botocore reads
  // nothing from it; taken for the block's, it sent requests to another
  // endpoint than aws's).
  auto plain = parse_ini("[default]\ns3.endpoint_url = https://x\ns3.addressing_style = bogus\n");
  ASSERT_TRUE(plain.has_value()) << plain.error().message;
  EXPECT_FALSE(plain->at("default").contains("s3.endpoint_url"));
  EXPECT_FALSE(plain->at("default").contains("s3.addressing_style"));
  // Only '=' inside the block: botocore splits its lines on '=' and refuses the file otherwise.
  EXPECT_EQ(parse_ini("[a]\ns3 =\n  addressing_style: path\n").error().message,
            "line 3: expected 'key = value' in this indented block (botocore reads only '=' "
            "there, not ':')");
}

TEST(S3ConfigIni, ALoneCarriageReturnEndsALineAsInPython) {
  auto ini = parse_ini("[default]\rregion = eu-west-1\r\naws_access_key_id = AKID\r[b]\rx = 1");
  ASSERT_TRUE(ini.has_value()) << ini.error().message;
  EXPECT_EQ(ini->at("default").at("region"), "eu-west-1");
  EXPECT_EQ(ini->at("default").at("aws_access_key_id"), "AKID");
  EXPECT_EQ(ini->at("b").at("x"), "1");
  // Lines are counted as Python counts them.
  EXPECT_EQ(parse_ini("[a]\rx = 1\r\rbad line\r").error().message.substr(0, 7), "line 4:");
}

// configparser's [DEFAULT], as botocore's raw_config_parse sees it: no section of its own,
// its keys in every section that lacks them, a nested block inherited whole or not at all.
TEST(S3ConfigIni, TheDefaultSectionIsInheritedByEverySection) {
  auto ini = parse_ini(
      "[profile dev]\n"
      "region = eu-west-1\n"
      "s3 =\n"
      "  addressing_style = virtual\n"
      "[DEFAULT]\n"
      "region = us-east-2\n"
      "output = json\n"
      "s3 =\n"
      "  addressing_style = path\n"
      "  endpoint_url = https://minio.local:9000\n"
      "[default]\n"
      "aws_access_key_id = AKID\n");
  ASSERT_TRUE(ini.has_value()) << ini.error().message;
  EXPECT_FALSE(ini->contains("DEFAULT"));
  EXPECT_EQ(ini->size(), 2u);
  const auto& dev = ini->at("profile dev");
  EXPECT_EQ(dev.at("region"), "eu-west-1");
  EXPECT_EQ(dev.at("output"), "json");
  EXPECT_EQ(dev.at("s3.addressing_style"), "virtual");
  EXPECT_FALSE(dev.contains("s3.endpoint_url"));  // its own s3 block wins whole
  const auto& def = ini->at("default");
  EXPECT_EQ(def.at("aws_access_key_id"), "AKID");
  EXPECT_EQ(def.at("region"), "us-east-2");
  EXPECT_EQ(def.at("s3.addressing_style"), "path");
  EXPECT_EQ(def.at("s3.endpoint_url"), "https://minio.local:9000");
  // Lower case is a section like any other.
  auto lower = parse_ini("[default]\nregion = x\n");
  ASSERT_TRUE(lower.has_value());
  EXPECT_EQ(lower->at("default").at("region"), "x");
}

// configparser's continuation lines, each case checked against botocore 1.43's
// raw_config_parse: a line indented deeper than its key's line belongs to that
// key's value, whatever it holds; one as deep as the key is a key of its own.
TEST(S3ConfigIni, IndentedLinesContinueTheValueAsInBotocore) {
  auto ini = parse_ini(
      "[default]\n"
      "region = us-east-1\n"
      "  endpoint_url = http://localhost:9000\n"
      "  [other]\n"
      "\n"
      "  # a comment is dropped, an empty line kept inside\n"
      "  more\n"
      "output = json\n"
      "\n");
  ASSERT_TRUE(ini.has_value()) << ini.error().message;
  const auto& d = ini->at("default");
  EXPECT_EQ(d.at("region"), "us-east-1\nendpoint_url = http://localhost:9000\n[other]\n\nmore");
  EXPECT_EQ(d.count("endpoint_url"), 0u);
  EXPECT_EQ(ini->count("other"), 0u);
  EXPECT_EQ(d.at("output"), "json");

  // After a section header nothing is open: indented keys are keys.
  auto indented = parse_ini("[default]\n  region = r\n  s3 =\n  addressing_style = path\n");
  ASSERT_TRUE(indented.has_value()) << indented.error().message;
  EXPECT_EQ(indented->at("default").at("region"), "r");
  EXPECT_EQ(indented->at("default").at("addressing_style"), "path");
  EXPECT_EQ(indented->at("default").count("s3.addressing_style"), 0u);

  // Such a region is refused as botocore refuses it, not read as two settings.
  Fake f;
  f.env["AWS_ACCESS_KEY_ID"] = "K";
  f.env["AWS_SECRET_ACCESS_KEY"] = "S";
  f.files[kConfig] = "[default]\nregion = eu-west-1\n  endpoint_url = http://localhost:9000\n";
  auto r = f.resolve();
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().kind, ErrorKind::config);
  EXPECT_EQ(r.error().message,
            "region in profile default goes on over an indented line below it (an indented line "
            "continues the value above, as in the AWS CLI): remove that line's indentation");
  f.files[kConfig] = "[default]\nendpoint_url = https://h\n  region = eu-west-1\n";
  EXPECT_EQ(f.resolve().error().message,
            "endpoint_url in profile default goes on over an indented line below it (an indented "
            "line continues the value above, as in the AWS CLI): remove that line's indentation");
}

// botocore (configparser's strict mode) refuses a file that names a section
// twice, or a key twice in one section -- case aside, as keys are
// lower-cased; the line says where, never the key (it may be a pasted secret).
TEST(S3ConfigIni, DuplicatesAreRefusedWithBothLines) {
  EXPECT_EQ(parse_ini("[default]\nregion = a\n\n[default]\nregion = b\n").error().message,
            "line 4: [default] appears again (first on line 1): merge the two sections into one, "
            "as the AWS CLI refuses the file too");
  EXPECT_EQ(parse_ini("[default]\nregion = a\noutput = json\nRegion: b\n").error().message,
            "line 4: this key is already set in [default] on line 2: keep one of the two, as the "
            "AWS CLI refuses the file too");
  // The same key in two sections, or in the s3 block and outside it, is no duplicate.
  auto ok =
      parse_ini("[a]\nregion = 1\n[b]\nregion = 2\nendpoint_url = x\ns3 =\n  endpoint_url = y\n");
  ASSERT_TRUE(ok.has_value()) << ok.error().message;
  EXPECT_EQ(ok->at("b").at("s3.endpoint_url"), "y");

  // Through resolve_config the message names the file too.
  Fake f;
  f.files[kCreds] = "[default]\naws_access_key_id = K\naws_access_key_id = K2\n";
  auto r = f.resolve();
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().kind, ErrorKind::config);
  EXPECT_EQ(r.error().message,
            "cannot parse ~/.aws/credentials: line 3: this key is already set in [default] on "
            "line 2: keep one of the two, as the AWS CLI refuses the file too");
}

// Notepad's "UTF-8 with BOM": botocore reads the BOM as part of the first
// line and refuses the file; the message names the BOM, not a missing section.
TEST(S3ConfigIni, ByteOrderMarkIsNamed) {
  auto bom = parse_ini("\xEF\xBB\xBF[default]\nregion = eu-west-1\n");
  ASSERT_FALSE(bom.has_value());
  EXPECT_EQ(bom.error().kind, ErrorKind::config);
  EXPECT_EQ(bom.error().message,
            "line 1: the file starts with a UTF-8 byte order mark (BOM), which the AWS CLI cannot "
            "read either: save it as UTF-8 without a BOM");
  // PowerShell's "Unicode": UTF-16 of either byte order, said so rather than "expected
  // '[section]'" (the first line read as bytes).
  for (const std::string& text :
       {std::string("\xFF\xFE[\0d\0]\0\n\0", 10), std::string("\xFE\xFF\0[\0d\0]\0\n", 10)}) {
    auto utf16 = parse_ini(text);
    ASSERT_FALSE(utf16.has_value());
    EXPECT_EQ(utf16.error().kind, ErrorKind::config);
    EXPECT_EQ(utf16.error().message,
              "line 1: the file starts with a UTF-16 byte order mark: it is UTF-16 text, which "
              "the AWS CLI cannot read either: save it as UTF-8");
  }
  Fake f;
  f.files[kCreds] = std::string("\xFF\xFE[\0", 4);
  EXPECT_EQ(f.resolve().error().message,
            "cannot parse ~/.aws/credentials: line 1: the file starts with a UTF-16 byte order "
            "mark: it is UTF-16 text, which the AWS CLI cannot read either: save it as UTF-8");
}

// A file in another encoding than UTF-8 (Latin-1, cp1252), which botocore
// cannot decode: named with its line, not read as bytes (a pasted no-break
// space, 0xA0 there, went into the secret and every request failed its
// signature, a review).
TEST(S3ConfigIni, BytesThatAreNotUtf8AreNamed) {
  auto latin1 =
      parse_ini("[default]\r\naws_access_key_id = A\r\naws_secret_access_key = s\xA0\r\n");
  ASSERT_FALSE(latin1.has_value());
  EXPECT_EQ(latin1.error().kind, ErrorKind::config);
  EXPECT_EQ(latin1.error().message,
            "line 3: a byte that is not UTF-8 (0xA0): the file is in another encoding, which the "
            "AWS CLI cannot read either: save it as UTF-8");
  EXPECT_TRUE(parse_ini("[default]\n# caf\xC3\xA9\nregion = eu-west-1\n"));
}

// Python's str.strip(), which configparser applies to lines, keys and values:
// every character str.isspace() accepts, in UTF-8, and nothing else.
TEST(S3ConfigIni, PythonWhitespaceIsWhatStrStripRemoves) {
  const std::vector<std::string> spaces{
      "\t",           "\n",           "\v",           "\f",           "\r",
      "\x1c",         "\x1d",         "\x1e",         "\x1f",         " ",
      "\xC2\x85",     "\xC2\xA0",     "\xE1\x9A\x80", "\xE2\x80\x80", "\xE2\x80\x85",
      "\xE2\x80\x8A", "\xE2\x80\xA8", "\xE2\x80\xA9", "\xE2\x80\xAF", "\xE2\x81\x9F",
      "\xE3\x80\x80"};
  for (const std::string& space : spaces) {
    EXPECT_EQ(strip_python_space(space + "a b" + space + space), "a b") << space;
    EXPECT_EQ(python_space_at_start(space + "x"), space.size()) << space;
    EXPECT_EQ(python_space_at_end("x" + space), space.size()) << space;
    EXPECT_EQ(python_indent(space + space + "x"), 2u) << space;  // characters, not bytes
  }
  // Not whitespace to Python: NUL, other controls, the zero-width space U+200B,
  // U+180E, U+FEFF, a lone continuation byte, a cut-short U+00A0; a letter
  // whose UTF-8 ends in 0xA0 (U+00E0 is C3 A0).
  for (const std::string& other :
       {std::string(1, '\0'), std::string("\x08"), std::string("\x7f"), std::string("\x1b"),
        std::string("\xE2\x80\x8B"), std::string("\xE1\xA0\x8E"), std::string("\xEF\xBB\xBF"),
        std::string("\xA0"), std::string("\xC2"), std::string("\xC3\xA0")}) {
    EXPECT_EQ(strip_python_space(other), other);
    EXPECT_EQ(python_space_at_start(other), 0u);
    EXPECT_EQ(python_space_at_end(other), 0u);
  }
  EXPECT_EQ(strip_python_space(""), "");
  EXPECT_EQ(strip_python_space(" \xC2\xA0 "), "");

  // A secret key pasted with a no-break space after it, keys and a section
  // header padded with others: read as the AWS CLI reads them.
  auto ini = parse_ini(
      "\xE3\x80\x80[default]\xC2\xA0\n"
      "aws_access_key_id\xE2\x80\xAF=\x0c"
      "AKID\v\n"
      "aws_secret_access_key = se/cr+et==\xC2\xA0\n"
      "\xC2\x85\n"
      "region = eu-west-1\n"
      "  \xE2\x80\x83more\xE2\x80\x83\n");
  ASSERT_TRUE(ini.has_value()) << ini.error().message;
  const auto& def = ini->at("default");
  EXPECT_EQ(def.at("aws_access_key_id"), "AKID");
  EXPECT_EQ(def.at("aws_secret_access_key"), "se/cr+et==");
  EXPECT_EQ(def.at("region"), "eu-west-1\nmore");
  EXPECT_EQ(def.size(), 3u);
  // In an s3 block too.
  auto nested = parse_ini("[a]\ns3 =\n  addressing_style\xC2\xA0= path\xE3\x80\x80\n");
  ASSERT_TRUE(nested.has_value()) << nested.error().message;
  EXPECT_EQ(nested->at("a").at("s3.addressing_style"), "path");

  // Indentation is counted in characters, as configparser counts it: one
  // no-break space (two bytes) is less deep than two blanks, and a no-break
  // space after two blanks deeper than they.
  auto deeper = parse_ini("[a]\n\xC2\xA0s3 =\n  addressing_style = path\n");
  ASSERT_TRUE(deeper.has_value()) << deeper.error().message;
  EXPECT_EQ(deeper->at("a").at("s3.addressing_style"), "path");
  auto past = parse_ini(
      "[a]\n  s3 =\n  \xC2\xA0"
      "addressing_style = path\n");
  ASSERT_TRUE(past.has_value()) << past.error().message;
  EXPECT_EQ(past->at("a").at("s3.addressing_style"), "path");
  EXPECT_FALSE(past->at("a").contains("addressing_style"));

  Fake f;
  f.files[kCreds] =
      "[default]\naws_access_key_id = AKID\naws_secret_access_key = se/cr+et==\xC2\xA0\r\n";
  auto c = f.resolve();
  ASSERT_TRUE(c.has_value()) << c.error().message;
  EXPECT_EQ(c->credentials.secret_access_key, "se/cr+et==");
}

// botocore reads these files with configparser, whose section pattern takes
// the name up to the last ']' and ignores the rest of the line.
TEST(S3ConfigIni, TextAfterASectionHeaderIsIgnored) {
  auto ini = parse_ini(
      "[default] ; the work account\n"
      "aws_access_key_id = AKIDEXAMPLE\n"
      "[profile ci]   # used by the pipeline\n"
      "region = eu-west-1\n");
  ASSERT_TRUE(ini.has_value()) << ini.error().message;
  EXPECT_EQ(ini->at("default").at("aws_access_key_id"), "AKIDEXAMPLE");
  EXPECT_EQ(ini->at("profile ci").at("region"), "eu-west-1");
  EXPECT_EQ(ini->size(), 2u);
}

TEST(S3ConfigIni, ErrorsNameTheLineButNotItsContent) {
  auto no_sep = parse_ini("[default]\nwJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY\n");
  ASSERT_FALSE(no_sep.has_value());
  EXPECT_EQ(no_sep.error().kind, ErrorKind::config);
  EXPECT_EQ(no_sep.error().message, "line 2: expected '[section]' or 'key = value'");

  auto no_section = parse_ini("region = x\n");
  ASSERT_FALSE(no_section.has_value());
  EXPECT_EQ(no_section.error().message, "line 1: key = value before any [section]");

  EXPECT_EQ(parse_ini("[default\n").error().message, "line 1: section header without closing ']'");
  EXPECT_EQ(parse_ini("[] ; x\n").error().message, "line 1: empty section name");
  EXPECT_EQ(parse_ini("[a]\n = v\n").error().message, "line 2: missing key before '='");
  EXPECT_TRUE(parse_ini("").has_value());
}

// --- resolve_config ---

TEST(S3ConfigResolve, EnvironmentCredentialsFirst) {
  Fake f;
  f.env["AWS_ACCESS_KEY_ID"] = "ENVKEY";
  f.env["AWS_SECRET_ACCESS_KEY"] = "envsecret";
  f.env["AWS_SESSION_TOKEN"] = "envtoken";
  f.files[kCreds] = "[default]\naws_access_key_id = FILEKEY\naws_secret_access_key = filesecret\n";
  auto c = f.resolve();
  ASSERT_TRUE(c.has_value()) << c.error().message;
  EXPECT_EQ(c->credentials.access_key_id, "ENVKEY");
  EXPECT_EQ(c->credentials.secret_access_key, "envsecret");
  EXPECT_EQ(c->credentials.session_token, "envtoken");
  EXPECT_EQ(c->credentials_source, "environment");
  EXPECT_EQ(c->profile, "default");
  EXPECT_EQ(c->region, "us-east-1");
  EXPECT_EQ(c->endpoint_url, "");
  EXPECT_EQ(c->ca_bundle, "");
  EXPECT_EQ(c->addressing_style, AddressingStyle::automatic);
}

TEST(S3ConfigResolve, DefaultProfileFromCredentialsFile) {
  Fake f;
  f.files[kCreds] =
      "[default]\naws_access_key_id = FILEKEY\naws_secret_access_key = filesecret\n"
      "aws_session_token = tok==\n";
  f.files[kConfig] = "[default]\nregion = eu-central-1\n";
  auto c = f.resolve();
  ASSERT_TRUE(c.has_value()) << c.error().message;
  EXPECT_EQ(c->credentials.access_key_id, "FILEKEY");
  EXPECT_EQ(c->credentials.session_token, "tok==");
  EXPECT_EQ(c->credentials_source, "profile default (~/.aws/credentials)");
  EXPECT_EQ(c->region, "eu-central-1");
}

TEST(S3ConfigResolve, CredentialsInConfigFile) {
  Fake f;
  f.files[kConfig] =
      "[profile dev]\naws_access_key_id = K\naws_secret_access_key = S\nregion = ap-south-1\n";
  f.env["AWS_PROFILE"] = "dev";
  auto c = f.resolve();
  ASSERT_TRUE(c.has_value()) << c.error().message;
  EXPECT_EQ(c->profile, "dev");
  EXPECT_EQ(c->credentials.access_key_id, "K");
  EXPECT_EQ(c->credentials_source, "profile dev (~/.aws/config)");
  EXPECT_EQ(c->region, "ap-south-1");
}

TEST(S3ConfigResolve, ConfigFileSectionNaming) {
  Fake f;
  // "[dev]" in the config file is not a profile; "[profile default]" is.
  f.files[kConfig] =
      "[dev]\nregion = wrong\n[profile dev]\nregion = right\n"
      "[profile default]\naws_access_key_id = K\naws_secret_access_key = S\n";
  f.files[kCreds] = "[dev]\naws_access_key_id = D\naws_secret_access_key = DS\n";
  auto dev = f.resolve(profile_flag("dev"));
  ASSERT_TRUE(dev.has_value()) << dev.error().message;
  EXPECT_EQ(dev->region, "right");
  EXPECT_EQ(dev->credentials.access_key_id, "D");
  auto def = f.resolve();
  ASSERT_TRUE(def.has_value()) << def.error().message;
  EXPECT_EQ(def->credentials_source, "profile default (~/.aws/config)");
}

// A review's finding: botocore takes the later of two sections naming one
// profile; s3loop took "[profile default]" wherever it stood, so another
// endpoint and region than aws cli's. Refused, as a section named twice is.
TEST(S3ConfigResolve, TwoSectionsNamingOneProfileAreRefused) {
  Fake f;
  f.env["AWS_ACCESS_KEY_ID"] = "K";
  f.env["AWS_SECRET_ACCESS_KEY"] = "S";
  f.files[kConfig] =
      "[profile default]\nregion = ap-south-1\n[default]\nregion = eu-west-1\n"
      "[profile x]\nregion = eu-west-2\n[profile  x]\nregion = eu-west-3\n[profile y]\n"
      "aws_access_key_id = K\naws_secret_access_key = S\n";
  auto def = f.resolve();
  ASSERT_FALSE(def);
  EXPECT_EQ(def.error().kind, ErrorKind::config);
  EXPECT_EQ(def.error().message,
            "cannot parse ~/.aws/config: [default] and [profile default] both set profile "
            "default: merge them into one section (the AWS CLI would use whichever comes later)");
  auto x = f.resolve(profile_flag("x"));
  ASSERT_FALSE(x);
  EXPECT_NE(x.error().message.find("both set profile x"), std::string::npos) << x.error().message;
  // A profile named once is read as before.
  auto y = f.resolve(profile_flag("y"));
  EXPECT_TRUE(y) << y.error().message;
}

TEST(S3ConfigResolve, SectionNamesAreSplitAsBotocoreSplitsThem) {
  // aws configure writes a profile name with a space quoted; botocore reads
  // headers with shlex, so blanks between the words do not matter either.
  Fake f;
  f.files[kCreds] = "[my prof]\naws_access_key_id = K\naws_secret_access_key = S\n";
  f.files[kConfig] =
      "[profile 'my prof']\nregion = eu-west-1\nservices = s 1\n"
      "[services  \"s 1\"]\ns3 =\n  endpoint_url = https://quoted\n"
      "[profile  spaced]\nregion = eu-west-2\n[profile 'open]\nregion = eu-west-3\n";
  auto quoted = f.resolve(profile_flag("my prof"));
  ASSERT_TRUE(quoted.has_value()) << quoted.error().message;
  EXPECT_EQ(quoted->region, "eu-west-1");
  EXPECT_EQ(quoted->endpoint_url, "https://quoted");
  f.files[kCreds] += "[spaced]\naws_access_key_id = K\naws_secret_access_key = S\n";
  EXPECT_EQ(f.resolve(profile_flag("spaced"))->region, "eu-west-2");
  // An open quote: botocore skips the section.
  f.files[kCreds] += "[open]\naws_access_key_id = K\naws_secret_access_key = S\n";
  EXPECT_EQ(f.resolve(profile_flag("open"))->region, "us-east-1");
  // Backslashes as shlex reads them: inside double quotes only before \\ and ", outside before
  // anything; one that ends the header skips the section.
  f.files[kConfig] =
      "[profile \"a\\$b\"]\nregion = eu-north-1\n[profile c\\ d]\nregion = eu-south-1\n"
      "[profile e\\]\nregion = eu-south-2\n";
  f.files[kCreds] =
      "[a\\$b]\naws_access_key_id = K\naws_secret_access_key = S\n[c d]\naws_access_key_id = "
      "K\naws_secret_access_key = S\n[e\\]\naws_access_key_id = K\naws_secret_access_key = S\n";
  EXPECT_EQ(f.resolve(profile_flag("a\\$b"))->region, "eu-north-1");
  EXPECT_EQ(f.resolve(profile_flag("c d"))->region, "eu-south-1");
  EXPECT_EQ(f.resolve(profile_flag("e\\"))->region, "us-east-1");
}

// configparser keeps the blanks inside a header's brackets, and botocore's
// build_profile_map takes a section as a profile only when it starts with
// "profile" and shlex splits it into two words, as [default] only exactly so.
TEST(S3ConfigResolve, SectionHeadersKeepTheirBlanksAsInBotocore) {
  auto ini = parse_ini("[ default ]\nregion = a\n[default]\nregion = b\n[ ]\nx = 1\n");
  ASSERT_TRUE(ini.has_value()) << ini.error().message;  // no section named twice
  EXPECT_EQ(ini->at(" default ").at("region"), "a");
  EXPECT_EQ(ini->at("default").at("region"), "b");
  EXPECT_EQ(ini->at(" ").at("x"), "1");
  EXPECT_EQ(parse_ini("[ DEFAULT ]\nregion = a\n[b]\n")->at("b").count("region"), 0u);

  Fake f;
  f.env["AWS_ACCESS_KEY_ID"] = "K";
  f.env["AWS_SECRET_ACCESS_KEY"] = "S";
  // "[ default ]" is no default profile, in either file.
  f.files[kConfig] = "[ default ]\nregion = eu-west-1\n";
  auto def = f.resolve();
  ASSERT_TRUE(def.has_value()) << def.error().message;
  EXPECT_EQ(def->region, "us-east-1");
  // Beside [default] it is another section: neither refused nor read.
  f.files[kConfig] = "[default]\nregion = eu-west-2\n[ default ]\nregion = eu-west-1\n";
  EXPECT_EQ(f.resolve()->region, "eu-west-2");
  f.env.clear();
  f.env["HOME"] = "/home/u";
  f.files[kCreds] =
      "[ default ]\naws_access_key_id = PADDED\naws_secret_access_key = S\n"
      "[default]\naws_access_key_id = PLAIN\naws_secret_access_key = S\n"
      "[ dev]\naws_access_key_id = D\naws_secret_access_key = S\n";
  auto creds = f.resolve();
  ASSERT_TRUE(creds.has_value()) << creds.error().message;
  EXPECT_EQ(creds->credentials.access_key_id, "PLAIN");
  EXPECT_EQ(f.resolve(profile_flag("dev")).error().message,
            "profile 'dev' (from --profile) not found in ~/.aws/credentials or ~/.aws/config");
  // "[ profile dev]" names no profile; "[profile  dev ]" names dev.
  f.files[kConfig] = "[ profile dev]\nregion = eu-west-1\n";
  EXPECT_FALSE(f.resolve(profile_flag("dev")).has_value());
  f.files[kConfig] = "[profile  dev ]\nregion = eu-west-1\n";
  f.files[kCreds] = "[dev]\naws_access_key_id = D\naws_secret_access_key = S\n";
  auto dev = f.resolve(profile_flag("dev"));
  ASSERT_TRUE(dev.has_value()) << dev.error().message;
  EXPECT_EQ(dev->region, "eu-west-1");
  // botocore looks at the second word only: "[profiles dev]" names dev too.
  f.files[kConfig] = "[profiles dev]\nregion = eu-west-3\n";
  EXPECT_EQ(f.resolve(profile_flag("dev"))->region, "eu-west-3");
  f.files[kConfig] = "[profile dev]\nregion = eu-west-1\n[profile_old dev]\nregion = eu-west-3\n";
  EXPECT_NE(f.resolve(profile_flag("dev"))
                .error()
                .message.find("[profile dev] and [profile_old dev] both set profile dev"),
            std::string::npos);
}

// Inside an s3 block keys keep their case (botocore's _parse_nested does not
// lower them): "Endpoint_URL" there is no endpoint_url, as the AWS CLI reads
// it. A key of the profile's own is lowered, as configparser lowers it.
TEST(S3ConfigResolve, KeysInAnS3BlockKeepTheirCase) {
  Fake f;
  f.env["AWS_ACCESS_KEY_ID"] = "K";
  f.env["AWS_SECRET_ACCESS_KEY"] = "S";
  f.files[kConfig] =
      "[default]\ns3 =\n  Endpoint_URL = https://block\n  Addressing_Style = sideways\n";
  auto c = f.resolve();
  ASSERT_TRUE(c.has_value()) << c.error().message;
  EXPECT_EQ(c->endpoint_url, "");
  EXPECT_EQ(c->addressing_style, AddressingStyle::automatic);
  f.files[kConfig] =
      "[default]\nEndpoint_URL = https://top\nS3 =\n  endpoint_url = https://block\n";
  EXPECT_EQ(f.resolve()->endpoint_url, "https://block");
  f.files[kConfig] = "[default]\nEndpoint_URL = https://top\n";
  EXPECT_EQ(f.resolve()->endpoint_url, "https://top");
}

TEST(S3ConfigResolve, ProfilePrecedence) {
  Fake f;
  f.files[kCreds] =
      "[a]\naws_access_key_id = A\naws_secret_access_key = s\n"
      "[b]\naws_access_key_id = B\naws_secret_access_key = s\n"
      "[c]\naws_access_key_id = C\naws_secret_access_key = s\n";
  f.env["AWS_DEFAULT_PROFILE"] = "c";
  EXPECT_EQ(f.resolve()->credentials.access_key_id, "C");
  f.env["AWS_PROFILE"] = "b";
  EXPECT_EQ(f.resolve()->credentials.access_key_id, "B");
  EXPECT_EQ(f.resolve(profile_flag("a"))->credentials.access_key_id, "A");
}

TEST(S3ConfigResolve, ProfileFlagOutranksEnvironmentKeys) {
  Fake f;
  f.env["AWS_ACCESS_KEY_ID"] = "ENVKEY";
  f.env["AWS_SECRET_ACCESS_KEY"] = "envsecret";
  f.files[kCreds] = "[work]\naws_access_key_id = WORK\naws_secret_access_key = s\n";
  auto flag = f.resolve(profile_flag("work"));
  ASSERT_TRUE(flag.has_value()) << flag.error().message;
  EXPECT_EQ(flag->credentials.access_key_id, "WORK");
  // AWS_PROFILE, like in the AWS CLI, does not.
  f.env["AWS_PROFILE"] = "work";
  auto env = f.resolve();
  ASSERT_TRUE(env.has_value()) << env.error().message;
  EXPECT_EQ(env->credentials.access_key_id, "ENVKEY");
  EXPECT_EQ(env->profile, "work");
}

TEST(S3ConfigResolve, MissingExplicitProfile) {
  Fake f;
  f.files[kCreds] = "[default]\naws_access_key_id = K\naws_secret_access_key = S\n";
  auto flag = f.resolve(profile_flag("x"));
  ASSERT_FALSE(flag.has_value());
  EXPECT_EQ(flag.error().kind, ErrorKind::config);
  EXPECT_EQ(flag.error().message,
            "profile 'x' (from --profile) not found in ~/.aws/credentials or ~/.aws/config");

  f.env["AWS_PROFILE"] = "y";
  f.env["AWS_ACCESS_KEY_ID"] = "ENVKEY";  // does not excuse a wrong AWS_PROFILE
  f.env["AWS_SECRET_ACCESS_KEY"] = "envsecret";
  auto env = f.resolve();
  ASSERT_FALSE(env.has_value());
  EXPECT_EQ(env.error().message,
            "profile 'y' (from AWS_PROFILE) not found in ~/.aws/credentials or ~/.aws/config");

  // "[y]" in the config file is not profile y there.
  f.files[kConfig] = "[y]\nregion = eu-west-1\n";
  auto unprefixed = f.resolve();
  ASSERT_FALSE(unprefixed.has_value());
  EXPECT_EQ(unprefixed.error().message,
            "profile 'y' (from AWS_PROFILE) not found in ~/.aws/credentials or ~/.aws/config (in "
            "~/.aws/config write [profile y], not [y])");
}

TEST(S3ConfigResolve, NoCredentialsAnywhere) {
  Fake f;
  auto none = f.resolve();
  ASSERT_FALSE(none.has_value());
  EXPECT_EQ(none.error().kind, ErrorKind::credentials);
  EXPECT_EQ(none.error().message,
            "no AWS credentials found: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or "
            "configure a profile in ~/.aws/credentials (tried: environment, profile 'default')");

  // A profile that exists but holds no keys.
  f.files[kConfig] = "[profile p]\nregion = x\n";
  auto empty = f.resolve(profile_flag("p"));
  ASSERT_FALSE(empty.has_value());
  EXPECT_EQ(empty.error().message,
            "no AWS credentials found: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or "
            "configure a profile in ~/.aws/credentials (tried: profile 'p')");

  // A container's role (ECS, EKS Pod Identity), which botocore would fetch
  // next: named, with how to get its keys.
  f.env["AWS_CONTAINER_CREDENTIALS_RELATIVE_URI"] = "/v2/credentials/x";
  auto container = f.resolve(profile_flag("p"));
  ASSERT_FALSE(container.has_value());
  EXPECT_EQ(container.error().kind, ErrorKind::credentials);
  EXPECT_EQ(container.error().message,
            "no AWS credentials found (tried: profile 'p'); "
            "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI asks for a container role's credentials "
            "(ECS, EKS Pod Identity), which are not fetched here: export them first, e.g. eval "
            "\"$(aws configure export-credentials --format env)\"");
  f.env.erase("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI");

  f.files[kConfig] = "[profile sso]\nsso_session = corp\n";
  auto sso = f.resolve(profile_flag("sso"));
  ASSERT_FALSE(sso.has_value());
  EXPECT_EQ(sso.error().kind, ErrorKind::credentials);
  EXPECT_EQ(sso.error().message,
            "profile 'sso' uses sso_session, which s3loop does not support: set "
            "aws_access_key_id and aws_secret_access_key instead");
}

TEST(S3ConfigResolve, HalfAKeyPairIsReported) {
  Fake f;
  f.env["AWS_ACCESS_KEY_ID"] = "ENVKEY";
  auto env = f.resolve();
  ASSERT_FALSE(env.has_value());
  EXPECT_EQ(env.error().kind, ErrorKind::credentials);
  EXPECT_EQ(env.error().message,
            "AWS_ACCESS_KEY_ID is set but AWS_SECRET_ACCESS_KEY is not: set both, or unset it to "
            "use a profile");

  // One set, the other set but empty ("$UNSET"): said as it is, not "is not" set.
  f.env["AWS_SECRET_ACCESS_KEY"] = "";
  EXPECT_EQ(f.resolve().error().message,
            "AWS_ACCESS_KEY_ID is set but AWS_SECRET_ACCESS_KEY is empty: set both, or unset both "
            "to use a profile");
  f.env["AWS_ACCESS_KEY_ID"] = "";
  f.env["AWS_SECRET_ACCESS_KEY"] = "S";
  auto empty_id = f.resolve();
  ASSERT_FALSE(empty_id.has_value());
  EXPECT_EQ(empty_id.error().kind, ErrorKind::credentials);
  EXPECT_EQ(empty_id.error().message,
            "AWS_SECRET_ACCESS_KEY is set but AWS_ACCESS_KEY_ID is empty: set both, or unset both "
            "to use a profile");
  f.env.erase("AWS_ACCESS_KEY_ID");
  EXPECT_EQ(f.resolve().error().message,
            "AWS_SECRET_ACCESS_KEY is set but AWS_ACCESS_KEY_ID is not: set both, or unset it to "
            "use a profile");

  f.env.erase("AWS_ACCESS_KEY_ID");
  f.env["AWS_SECRET_ACCESS_KEY"] = "";  // empty counts as unset
  f.files[kCreds] = "[default]\naws_secret_access_key = S\n";
  auto file = f.resolve();
  ASSERT_FALSE(file.has_value());
  EXPECT_EQ(file.error().kind, ErrorKind::config);
  EXPECT_EQ(file.error().message,
            "profile 'default' in ~/.aws/credentials has aws_secret_access_key but no "
            "aws_access_key_id");
}

// As the AWS CLI reads them (os.path.expandvars, then expanduser): a quoted
// '$HOME/conf' was taken literally, and a missing config file is no error, so
// the copy went to AWS's endpoint with the local keys.
TEST(S3ConfigResolve, FileLocationOverridesExpandVariables) {
  Fake f;
  f.env["CONF_DIR"] = "/srv/conf";
  f.env["AWS_SHARED_CREDENTIALS_FILE"] = "$HOME/creds";
  f.env["AWS_CONFIG_FILE"] = "${CONF_DIR}/s3-$UNSET_VAR-x";
  f.files["/home/u/creds"] = "[default]\naws_access_key_id = HOMEVAR\naws_secret_access_key = S\n";
  f.files["/srv/conf/s3-$UNSET_VAR-x"] = "[default]\nregion = eu-north-1\n";
  auto c = f.resolve();
  ASSERT_TRUE(c.has_value()) << c.error().message;
  EXPECT_EQ(c->credentials.access_key_id, "HOMEVAR");
  EXPECT_EQ(c->credentials_source, "profile default (~/creds)");
  EXPECT_EQ(c->region, "eu-north-1");  // an unset variable stays as written
  // A '$' that starts no name, and an unclosed '${', stay too.
  f.env["AWS_CONFIG_FILE"] = "/srv/a$/b${x";
  f.files["/srv/a$/b${x"] = "[default]\nregion = eu-south-1\n";
  auto odd = f.resolve();
  ASSERT_TRUE(odd.has_value()) << odd.error().message;
  EXPECT_EQ(odd->region, "eu-south-1");
}

TEST(S3ConfigResolve, FileLocationOverrides) {
  Fake f;
  f.env["AWS_SHARED_CREDENTIALS_FILE"] = "/etc/s3/creds";
  f.env["AWS_CONFIG_FILE"] = "~/alt/config";
  f.files[kCreds] = "[default]\naws_access_key_id = IGNORED\naws_secret_access_key = S\n";
  f.files["/etc/s3/creds"] = "[default]\naws_access_key_id = ETC\naws_secret_access_key = S\n";
  f.files["/home/u/alt/config"] = "[default]\nregion = sa-east-1\n";
  auto c = f.resolve();
  ASSERT_TRUE(c.has_value()) << c.error().message;
  EXPECT_EQ(c->credentials.access_key_id, "ETC");
  EXPECT_EQ(c->credentials_source, "profile default (/etc/s3/creds)");
  EXPECT_EQ(c->region, "sa-east-1");

  auto missing = f.resolve(profile_flag("nope"));
  ASSERT_FALSE(missing.has_value());
  EXPECT_EQ(missing.error().message,
            "profile 'nope' (from --profile) not found in /etc/s3/creds or ~/alt/config");
}

TEST(S3ConfigResolve, HomeDecidesDefaultPaths) {
  Fake f;
  f.env["HOME"] = "/srv/other";
  f.files["/srv/other/.aws/credentials"] =
      "[default]\naws_access_key_id = K\naws_secret_access_key = S\n";
  auto c = f.resolve();
  ASSERT_TRUE(c.has_value()) << c.error().message;
  EXPECT_EQ(c->credentials_source, "profile default (~/.aws/credentials)");

  f.env.erase("HOME");  // no HOME and no overrides: no files at all
  auto none = f.resolve();
  ASSERT_FALSE(none.has_value());
  EXPECT_EQ(none.error().kind, ErrorKind::credentials);
}

TEST(S3ConfigResolve, UnparsableFileNamesTheFile) {
  Fake f;
  f.files[kConfig] = "[default]\nregion = x\nthis line is broken\n";
  auto c = f.resolve();
  ASSERT_FALSE(c.has_value());
  EXPECT_EQ(c.error().kind, ErrorKind::config);
  EXPECT_EQ(c.error().message,
            "cannot parse ~/.aws/config: line 3: expected '[section]' or 'key = value'");
}

TEST(S3ConfigResolve, RegionPrecedence) {
  Fake f;
  f.env["AWS_ACCESS_KEY_ID"] = "K";
  f.env["AWS_SECRET_ACCESS_KEY"] = "S";
  f.files[kConfig] = "[default]\nregion = from-profile\n";
  EXPECT_EQ(f.resolve()->region, "from-profile");
  f.env["AWS_DEFAULT_REGION"] = "from-default-region";
  EXPECT_EQ(f.resolve()->region, "from-default-region");
  f.env["AWS_REGION"] = "from-region";
  EXPECT_EQ(f.resolve()->region, "from-region");
  EXPECT_EQ(f.resolve(region_flag("from-flag"))->region, "from-flag");
}

TEST(S3ConfigResolve, EndpointPrecedence) {
  Fake f;
  f.env["AWS_ACCESS_KEY_ID"] = "K";
  f.env["AWS_SECRET_ACCESS_KEY"] = "S";
  f.files[kConfig] =
      "[default]\nendpoint_url = https://global\nservices = local\n"
      "[services local]\ns3 =\n  endpoint_url = https://services-s3\n";
  EXPECT_EQ(f.resolve()->endpoint_url, "https://services-s3");
  f.files[kConfig] =
      "[default]\nendpoint_url = https://global\ns3 =\n  endpoint_url = https://profile-s3\n";
  EXPECT_EQ(f.resolve()->endpoint_url, "https://profile-s3");
  f.files[kConfig] = "[default]\nendpoint_url = https://global\n";
  EXPECT_EQ(f.resolve()->endpoint_url, "https://global");
  f.env["AWS_ENDPOINT_URL"] = "https://env-all";
  EXPECT_EQ(f.resolve()->endpoint_url, "https://env-all");
  f.env["AWS_ENDPOINT_URL_S3"] = "https://env-s3";
  EXPECT_EQ(f.resolve()->endpoint_url, "https://env-s3");
  EXPECT_EQ(f.resolve(endpoint_flag("https://flag"))->endpoint_url, "https://flag");
}

TEST(S3ConfigResolve, AServicesNameWithoutItsSectionIsRefused) {
  // botocore refuses it; ignoring it would send the requests to AWS.
  Fake f;
  f.env["AWS_ACCESS_KEY_ID"] = "K";
  f.env["AWS_SECRET_ACCESS_KEY"] = "S";
  f.files[kConfig] =
      "[default]\nservices = local-s3\n[services local_s3]\ns3 =\n  endpoint_url = https://x\n";
  auto r = f.resolve();
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().kind, ErrorKind::config);
  EXPECT_EQ(r.error().message,
            "profile default says services = local-s3, but ~/.aws/config has no [services "
            "local-s3] section: add it, or fix the name");
  // An empty section is no better.
  f.files[kConfig] = "[default]\nservices = local-s3\n[services local-s3]\n";
  EXPECT_FALSE(f.resolve().has_value());
  // Two sections naming it: botocore takes the later one, the map here
  // another (a review: plain http where aws used TLS). Refused.
  f.files[kConfig] =
      "[default]\nservices = loc\n[services loc]\ns3 =\n  endpoint_url = http://a:9480\n"
      "[servicesX loc]\ns3 =\n  endpoint_url = https://a:9443\n";
  auto twice = f.resolve();
  ASSERT_FALSE(twice.has_value());
  EXPECT_EQ(twice.error().message,
            "cannot parse ~/.aws/config: [services loc] and [servicesX loc] both set services loc: "
            "merge them into one section (the AWS CLI would use whichever comes later)");
  // botocore looks there only when no endpoint came before it: nor does s3loop.
  EXPECT_TRUE(f.resolve(endpoint_flag("https://flag")).has_value());
  f.files[kConfig] = "[default]\nservices = typo\n";
  EXPECT_TRUE(f.resolve(endpoint_flag("https://flag")).has_value());
  f.env["AWS_ENDPOINT_URL"] = "https://env";
  EXPECT_EQ(f.resolve()->endpoint_url, "https://env");
}

TEST(S3ConfigResolve, FipsAndDualStackEndpointsAreRefusedNotIgnored) {
  Fake f;
  f.env["AWS_ACCESS_KEY_ID"] = "K";
  f.env["AWS_SECRET_ACCESS_KEY"] = "S";
  f.env["AWS_USE_FIPS_ENDPOINT"] = "TRUE";
  auto fips = f.resolve();
  ASSERT_FALSE(fips.has_value());
  EXPECT_EQ(fips.error().message,
            "AWS_USE_FIPS_ENDPOINT asks for AWS's FIPS endpoints, which s3loop does not build: "
            "pass --endpoint-url with the endpoint to use");
  // An endpoint given outright needs neither.
  EXPECT_TRUE(f.resolve(endpoint_flag("https://fips.example")).has_value());
  f.env["AWS_USE_FIPS_ENDPOINT"] = "false";
  EXPECT_TRUE(f.resolve().has_value());
  f.files[kConfig] = "[default]\ns3 =\n  use_dualstack_endpoint = true\n";
  auto dual = f.resolve();
  ASSERT_FALSE(dual.has_value());
  EXPECT_NE(dual.error().message.find("profile default s3.use_dualstack_endpoint asks for AWS's "
                                      "dual-stack endpoints"),
            std::string::npos)
      << dual.error().message;
  // The s3 block's setting outranks the variable, as in botocore.
  f.env["AWS_USE_DUALSTACK_ENDPOINT"] = "true";
  f.files[kConfig] = "[default]\ns3 =\n  use_dualstack_endpoint = false\n";
  EXPECT_TRUE(f.resolve().has_value());
}

// Ignored, the copy went to the plain endpoint (or, with an endpoint given,
// used it where the AWS CLI refuses the pair).
TEST(S3ConfigResolve, TransferAccelerationIsRefusedNotIgnored) {
  Fake f;
  f.env["AWS_ACCESS_KEY_ID"] = "K";
  f.env["AWS_SECRET_ACCESS_KEY"] = "S";
  f.files[kConfig] = "[default]\ns3 =\n  use_accelerate_endpoint = True\n";
  auto plain = f.resolve();
  ASSERT_FALSE(plain.has_value());
  EXPECT_EQ(plain.error().kind, ErrorKind::config);
  EXPECT_EQ(plain.error().message,
            "profile default s3.use_accelerate_endpoint asks for AWS's S3 Transfer Acceleration "
            "endpoint, which s3loop does not build: pass --endpoint-url with the endpoint to use");
  auto given = f.resolve(endpoint_flag("https://127.0.0.1:9443"));
  ASSERT_FALSE(given.has_value());
  EXPECT_EQ(given.error().message,
            "profile default s3.use_accelerate_endpoint asks for S3 Transfer Acceleration, which "
            "cannot be combined with the endpoint given (--endpoint-url): drop one of them");
  f.files[kConfig] = "[default]\ns3 =\n  use_accelerate_endpoint = false\n";
  EXPECT_TRUE(f.resolve().has_value());
}

// botocore's rule: AWS_IGNORE_CONFIGURED_ENDPOINT_URLS, else the profile's
// ignore_configured_endpoint_urls; "true" in any case ignores every
// configured endpoint (variables, profile, services section) but the flag.
TEST(S3ConfigResolve, IgnoreConfiguredEndpointUrls) {
  Fake f;
  f.env["AWS_ACCESS_KEY_ID"] = "K";
  f.env["AWS_SECRET_ACCESS_KEY"] = "S";
  f.env["AWS_ENDPOINT_URL"] = "https://env-all";
  f.env["AWS_ENDPOINT_URL_S3"] = "https://env-s3";
  f.files[kConfig] =
      "[default]\nendpoint_url = https://global\ns3 =\n  endpoint_url = https://profile-s3\n";
  f.env["AWS_IGNORE_CONFIGURED_ENDPOINT_URLS"] = "TRUE";
  EXPECT_EQ(f.resolve()->endpoint_url, "");
  EXPECT_EQ(f.resolve(endpoint_flag("https://flag"))->endpoint_url, "https://flag");
  f.env.erase("AWS_ENDPOINT_URL_S3");
  f.env.erase("AWS_ENDPOINT_URL");
  f.env["AWS_IGNORE_CONFIGURED_ENDPOINT_URLS"] = "true";
  EXPECT_EQ(f.resolve()->endpoint_url, "");
  f.files[kConfig] =
      "[default]\nservices = local\n[services local]\ns3 =\n  endpoint_url = https://svc\n";
  EXPECT_EQ(f.resolve()->endpoint_url, "");

  // In the profile.
  f.env.erase("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS");
  f.env["AWS_ENDPOINT_URL"] = "https://env-all";
  f.files[kConfig] = "[default]\nignore_configured_endpoint_urls = true\n";
  EXPECT_EQ(f.resolve()->endpoint_url, "");
  // A variable that is set decides alone, as botocore reads it first.
  f.env["AWS_IGNORE_CONFIGURED_ENDPOINT_URLS"] = "false";
  EXPECT_EQ(f.resolve()->endpoint_url, "https://env-all");
  // Anything but "true" is false.
  f.env["AWS_IGNORE_CONFIGURED_ENDPOINT_URLS"] = "1";
  f.files[kConfig] = "[default]\n";
  EXPECT_EQ(f.resolve()->endpoint_url, "https://env-all");
}

// The names --debug reports: which setting chose the profile, region and
// endpoint (the credentials' source has its own tests above).
TEST(S3ConfigResolve, SourcesAreNamedForDebug) {
  Fake f;
  f.files[kCreds] = "[dev]\naws_access_key_id = K\naws_secret_access_key = S\n";
  f.files[kConfig] =
      "[profile dev]\nregion = eu-west-1\nservices = here\nendpoint_url = https://global\n"
      "[services here]\ns3 =\n  endpoint_url = https://svc\n";
  f.env["AWS_PROFILE"] = "dev";
  auto r = f.resolve();
  ASSERT_TRUE(r.has_value()) << r.error().message;
  EXPECT_EQ(r->profile_source, "AWS_PROFILE");
  EXPECT_EQ(r->credentials_source, "profile dev (~/.aws/credentials)");
  EXPECT_EQ(r->region_source, "profile dev");
  // A setting from the config file names the file: an error in its value
  // says where to fix it.
  EXPECT_EQ(r->endpoint_source, "[services here] in ~/.aws/config");
  EXPECT_EQ(r->ca_bundle_source, "");
  f.files[kConfig] = "[profile dev]\nendpoint_url = https://global\nca_bundle = /ca.pem\n";
  EXPECT_EQ(f.resolve()->endpoint_source, "profile dev endpoint_url in ~/.aws/config");
  EXPECT_EQ(f.resolve()->ca_bundle_source, "profile dev ca_bundle in ~/.aws/config");
  // The credentials file's section outranks the config file's: named as its.
  f.files[kCreds] += "ca_bundle = /creds-ca.pem\n";
  EXPECT_EQ(f.resolve()->ca_bundle_source, "profile dev ca_bundle in ~/.aws/credentials");
  EXPECT_EQ(f.resolve()->endpoint_source, "profile dev endpoint_url in ~/.aws/config");
  f.files[kCreds] = "[dev]\naws_access_key_id = K\naws_secret_access_key = S\n";
  EXPECT_EQ(f.resolve()->region_source, "default");

  f.env["AWS_REGION"] = "us-west-2";
  f.env["AWS_ENDPOINT_URL"] = "https://env";
  EXPECT_EQ(f.resolve()->region_source, "AWS_REGION");
  EXPECT_EQ(f.resolve()->endpoint_source, "AWS_ENDPOINT_URL");
  auto flags = region_flag("ap-south-1");
  flags.profile = "dev";
  flags.endpoint_url = "https://flag";
  EXPECT_EQ(f.resolve(flags)->region_source, "--region");
  EXPECT_EQ(f.resolve(flags)->profile_source, "--profile");
  EXPECT_EQ(f.resolve(flags)->endpoint_source, "--endpoint-url");
  f.env["AWS_CA_BUNDLE"] = "/env-ca.pem";
  EXPECT_EQ(f.resolve()->ca_bundle_source, "AWS_CA_BUNDLE");
  f.env.erase("AWS_CA_BUNDLE");

  f.env["AWS_IGNORE_CONFIGURED_ENDPOINT_URLS"] = "true";
  EXPECT_EQ(f.resolve()->endpoint_source,
            "AWS's for the region; configured endpoints ignored "
            "(AWS_IGNORE_CONFIGURED_ENDPOINT_URLS)");
  f.env.erase("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS");
  f.files[kConfig] = "[profile dev]\nignore_configured_endpoint_urls = true\n";
  EXPECT_EQ(f.resolve()->endpoint_source,
            "AWS's for the region; configured endpoints ignored (profile dev "
            "ignore_configured_endpoint_urls)");
  f.env.erase("AWS_PROFILE");
  f.env["AWS_ACCESS_KEY_ID"] = "K";
  f.env["AWS_SECRET_ACCESS_KEY"] = "S";
  EXPECT_EQ(f.resolve()->profile_source, "default");
  EXPECT_EQ(f.resolve()->credentials_source, "environment");
}

TEST(S3ConfigResolve, CaBundleAndAddressingStyle) {
  Fake f;
  f.env["AWS_ACCESS_KEY_ID"] = "K";
  f.env["AWS_SECRET_ACCESS_KEY"] = "S";
  f.files[kConfig] = "[default]\nca_bundle = /profile/ca.pem\ns3 =\n  addressing_style = path\n";
  auto c = f.resolve();
  ASSERT_TRUE(c.has_value()) << c.error().message;
  EXPECT_EQ(c->ca_bundle, "/profile/ca.pem");
  EXPECT_EQ(c->addressing_style, AddressingStyle::path);
  f.env["AWS_CA_BUNDLE"] = "/env/ca.pem";
  EXPECT_EQ(f.resolve()->ca_bundle, "/env/ca.pem");
  EXPECT_EQ(f.resolve(ca_flag("/flag/ca.pem"))->ca_bundle, "/flag/ca.pem");
  EXPECT_EQ(f.resolve(style_flag(AddressingStyle::virtual_hosted))->addressing_style,
            AddressingStyle::virtual_hosted);
  // An explicit auto outranks the profile's style too.
  EXPECT_EQ(f.resolve(style_flag(AddressingStyle::automatic))->addressing_style,
            AddressingStyle::automatic);
  // '~' in a profile's ca_bundle is the home directory, as the AWS CLI reads it.
  f.env.erase("AWS_CA_BUNDLE");
  f.files[kConfig] = "[default]\nca_bundle = ~/certs/ca.pem\n";
  EXPECT_EQ(f.resolve()->ca_bundle, "/home/u/certs/ca.pem");

  f.files[kConfig] = "[default]\ns3 =\n  addressing_style = virtual\n";
  EXPECT_EQ(f.resolve()->addressing_style, AddressingStyle::virtual_hosted);
  f.files[kConfig] = "[default]\ns3 =\n  addressing_style = auto\n";
  EXPECT_EQ(f.resolve()->addressing_style, AddressingStyle::automatic);
  f.files[kConfig] = "[default]\ns3 =\n  addressing_style = sideways\n";
  auto bad = f.resolve();
  ASSERT_FALSE(bad.has_value());
  EXPECT_EQ(bad.error().kind, ErrorKind::config);
  EXPECT_EQ(bad.error().message,
            "invalid s3.addressing_style 'sideways' in profile 'default' (expected auto, path or "
            "virtual)");
}

// botocore's order: --ca-bundle, AWS_CA_BUNDLE, the profile's ca_bundle,
// then REQUESTS_CA_BUNDLE (its endpoint creator's _get_verify_value).
TEST(S3ConfigResolve, RequestsCaBundleComesAfterTheOthers) {
  Fake f;
  f.env["AWS_ACCESS_KEY_ID"] = "K";
  f.env["AWS_SECRET_ACCESS_KEY"] = "S";
  f.env["REQUESTS_CA_BUNDLE"] = "/requests/ca.pem";
  auto only = f.resolve();
  ASSERT_TRUE(only.has_value()) << only.error().message;
  EXPECT_EQ(only->ca_bundle, "/requests/ca.pem");
  EXPECT_EQ(only->ca_bundle_source, "REQUESTS_CA_BUNDLE");
  f.files[kConfig] = "[default]\nca_bundle = /profile/ca.pem\n";
  EXPECT_EQ(f.resolve()->ca_bundle, "/profile/ca.pem");
  f.env["AWS_CA_BUNDLE"] = "/env/ca.pem";
  EXPECT_EQ(f.resolve()->ca_bundle, "/env/ca.pem");
  EXPECT_EQ(f.resolve(ca_flag("/flag/ca.pem"))->ca_bundle, "/flag/ca.pem");
  // '~/' expanded, as urllib3 expands the CA path aws cli hands it,
  // whichever setting gave it (a review: aws read ~/ca.pem, s3loop did not).
  f.env.erase("AWS_CA_BUNDLE");
  f.files.erase(kConfig);
  f.env["REQUESTS_CA_BUNDLE"] = "~/ca.pem";
  EXPECT_EQ(f.resolve()->ca_bundle, "/home/u/ca.pem");
  // Empty is unset, as for the others (botocore would verify nothing).
  f.env["REQUESTS_CA_BUNDLE"] = "";
  EXPECT_EQ(f.resolve()->ca_bundle, "");
  EXPECT_EQ(f.resolve()->ca_bundle_source, "");
}

TEST(S3ConfigResolve, CredentialsFileOverridesConfigSettings) {
  // botocore overlays the credentials file's section on the config profile.
  Fake f;
  f.files[kConfig] = "[default]\nregion = from-config\n";
  f.files[kCreds] =
      "[default]\naws_access_key_id = K\naws_secret_access_key = S\nregion = from-creds\n";
  EXPECT_EQ(f.resolve()->region, "from-creds");
}

TEST(S3ConfigResolve, EmptyFlagsAreRefused) {
  // --endpoint-url "$UNSET" must not fall through to AWS_ENDPOINT_URL, the
  // profile or AWS itself.
  Fake f;
  f.env["AWS_ACCESS_KEY_ID"] = "K";
  f.env["AWS_SECRET_ACCESS_KEY"] = "S";
  f.env["AWS_ENDPOINT_URL"] = "https://127.0.0.1:9443";
  ConfigOverrides flags;
  flags.endpoint_url = "";
  auto endpoint = f.resolve(flags);
  ASSERT_FALSE(endpoint.has_value());
  EXPECT_EQ(endpoint.error().kind, ErrorKind::config);
  EXPECT_EQ(endpoint.error().message, "--endpoint-url is empty: give it a value or leave it out");
  for (auto field :
       {&ConfigOverrides::profile, &ConfigOverrides::region, &ConfigOverrides::ca_bundle}) {
    ConfigOverrides one;
    one.*field = " ";
    auto r = f.resolve(one);
    ASSERT_FALSE(r.has_value());
    EXPECT_NE(r.error().message.find(" is empty: give it a value"), std::string::npos);
  }
}

TEST(S3ConfigResolve, AssumedRolesOutrankAProfilesStaticKeys) {
  // botocore would assume the role (or sign in through SSO / a web identity);
  // using the keys beside it would act as another identity.
  Fake f;
  f.files[kCreds] = "[p]\naws_access_key_id = K\naws_secret_access_key = S\n";
  for (const char* line :
       {"role_arn = arn:aws:iam::123456789012:role/x\ncredential_source = Env",
        "web_identity_token_file = /t", "sso_start_url = https://x", "sso_session = corp",
        // Any SSO setting: botocore takes the SSO provider, or refuses a half-made one.
        "sso_account_id = 123456789012\nsso_role_name = r", "sso_role_name = r",
        "sso_region = us-east-1"}) {
    f.files[kConfig] = std::string("[profile p]\n") + line + "\n";
    auto r = f.resolve(profile_flag("p"));
    ASSERT_FALSE(r.has_value()) << line;
    EXPECT_EQ(r.error().kind, ErrorKind::credentials);
    EXPECT_NE(r.error().message.find("which s3loop does not support"), std::string::npos);
  }
  // credential_process: below the credentials file's keys (it is not run), above the
  // config file's (they are not used).
  f.files[kConfig] = "[profile p]\ncredential_process = /bin/creds\n";
  f.process_result = ProcessOutput{0, false,
                                   R"({"Version": 1, "AccessKeyId": "PK", )"
                                   R"("SecretAccessKey": "PS"})"};
  auto keys_first = f.resolve(profile_flag("p"));
  ASSERT_TRUE(keys_first.has_value()) << keys_first.error().message;
  EXPECT_EQ(keys_first->credentials.access_key_id, "K");
  EXPECT_TRUE(f.ran.empty());
  f.files.erase(kCreds);
  f.files[kConfig] =
      "[profile p]\ncredential_process = /bin/creds\naws_access_key_id = K\n"
      "aws_secret_access_key = S\n";
  auto process = f.resolve(profile_flag("p"));
  ASSERT_TRUE(process.has_value()) << process.error().message;
  EXPECT_EQ(process->credentials.access_key_id, "PK");
  EXPECT_EQ(process->credentials.secret_access_key, "PS");
  EXPECT_EQ(f.ran, std::vector<std::vector<std::string>>{{"/bin/creds"}});
  // An `aws login` session ranks there too: the config file's keys beside it were used.
  f.files[kConfig] =
      "[profile p]\nlogin_session = arn:aws:iam::123456789012:user/u\naws_access_key_id = K\n"
      "aws_secret_access_key = S\n";
  auto login = f.resolve(profile_flag("p"));
  ASSERT_FALSE(login.has_value());
  EXPECT_EQ(login.error().message,
            "profile 'p' uses login_session, which s3loop does not support: set "
            "aws_access_key_id and aws_secret_access_key instead");
}

TEST(S3ConfigResolve, ACredentialProcessGivesTheCredentialsItPrints) {
  Fake f;
  // Split as shlex splits it, no shell: quotes group words and go.
  f.files[kConfig] =
      "[profile p]\ncredential_process = \"/opt/my tools/creds\" --vault 'team a' x\\ y \"\"\n"
      "region = eu-west-1\n";
  f.process_result = ProcessOutput{0, false,
                                   R"({"Version": 1, "AccessKeyId": "ASIA1", )"
                                   R"("SecretAccessKey": "s/1+", "SessionToken": "T0k", )"
                                   R"("Expiration": "2100-01-02T03:04:05Z"})"
                                   "\n"};
  auto r = f.resolve(profile_flag("p"));
  ASSERT_TRUE(r.has_value()) << r.error().message;
  EXPECT_EQ(f.ran, (std::vector<std::vector<std::string>>{
                       {"/opt/my tools/creds", "--vault", "team a", "x y", ""}}));
  EXPECT_EQ(r->credentials.access_key_id, "ASIA1");
  EXPECT_EQ(r->credentials.secret_access_key, "s/1+");
  EXPECT_EQ(r->credentials.session_token, "T0k");
  EXPECT_EQ(r->credentials_expire_at, 4102542245);
  EXPECT_EQ(r->credentials_source, "credential_process of profile p (~/.aws/config)");
  EXPECT_EQ(r->region, "eu-west-1");
  // They expire: what renews them runs the same command again, its answer checked alike.
  ASSERT_TRUE(r->renew_credentials);
  f.process_result =
      ProcessOutput{0, false,
                    R"({"Version": 1, "AccessKeyId": "ASIA2", )"
                    R"("SecretAccessKey": "s2", "Expiration": "2100-01-03T00:00:00Z"})"};
  auto renewed = r->renew_credentials(nullptr);
  ASSERT_TRUE(renewed.has_value()) << renewed.error().message;
  EXPECT_EQ(renewed->credentials.access_key_id, "ASIA2");
  EXPECT_EQ(renewed->expires_at, 4102617600);
  EXPECT_EQ(f.ran.size(), 2u);
  EXPECT_EQ(f.ran[1], f.ran[0]);
  f.process_result =
      ProcessOutput{0, false,
                    R"({"Version": 1, "AccessKeyId": "A B", )"
                    R"("SecretAccessKey": "s2", "Expiration": "2100-01-03T00:00:00Z"})"};
  auto blank = r->renew_credentials(nullptr);
  ASSERT_FALSE(blank.has_value());
  EXPECT_NE(blank.error().message.find("contains a space character"), std::string::npos);

  // In the credentials file too (botocore merges a profile's two sections), named so.
  f.files.erase(kConfig);
  f.files[kCreds] = "[default]\ncredential_process = creds\n";
  f.process_result =
      ProcessOutput{0, false, R"({"Version": 1, "AccessKeyId": "AKIA", "SecretAccessKey": "s"})"};
  f.ran.clear();
  auto in_creds = f.resolve();
  ASSERT_TRUE(in_creds.has_value()) << in_creds.error().message;
  EXPECT_EQ(in_creds->credentials_source,
            "credential_process of profile default (~/.aws/credentials)");
  EXPECT_FALSE(in_creds->credentials_expire_at);
  EXPECT_FALSE(in_creds->renew_credentials);  // long-lived keys: nothing to renew
  EXPECT_EQ(f.ran, std::vector<std::vector<std::string>>{{"creds"}});

  // The environment's keys outrank it: it is not run.
  f.env["AWS_ACCESS_KEY_ID"] = "EK";
  f.env["AWS_SECRET_ACCESS_KEY"] = "ES";
  f.ran.clear();
  auto env_first = f.resolve();
  ASSERT_TRUE(env_first.has_value());
  EXPECT_EQ(env_first->credentials.access_key_id, "EK");
  EXPECT_FALSE(env_first->credentials_expire_at);
  EXPECT_TRUE(f.ran.empty());
}

TEST(S3ConfigResolve, ACredentialProcessThatFailsStopsWithOneLineNamingIt) {
  Fake f;
  f.files[kConfig] = "[default]\ncredential_process = /usr/bin/vault get --token s3cr3t\n";
  const std::string what =
      "credential_process of profile 'default' ('/usr/bin/vault' in "
      "~/.aws/config) ";
  auto fails = [&](Result<ProcessOutput> outcome, ErrorKind kind, const std::string& message) {
    f.process_result = std::move(outcome);
    auto r = f.resolve();
    ASSERT_FALSE(r.has_value()) << message;
    EXPECT_EQ(r.error().kind, kind) << message;
    EXPECT_EQ(r.error().message, what + message);
    // Its arguments may be secrets: never shown.
    EXPECT_EQ(r.error().message.find("s3cr3t"), std::string::npos);
  };
  fails(ProcessOutput{3, false, ""}, ErrorKind::credentials,
        "failed with exit status 3 (what it said, if anything, is above): run it by hand to see "
        "why");
  fails(ProcessOutput{130, false, ""}, ErrorKind::cancelled,
        "was stopped by a signal (exit status 130)");
  fails(ProcessOutput{137, true, ""}, ErrorKind::credentials,
        "did not finish within 60 s and was stopped: run it by hand to see what it waits for");
  fails(make_error(ErrorKind::config, "cannot be started: No such file or directory"),
        ErrorKind::config, "cannot be started: No such file or directory");
  fails(ProcessOutput{0, false, R"({"Version": 1, "AccessKeyId": "A"})"}, ErrorKind::credentials,
        R"(printed no SecretAccessKey (it must print {"Version": 1, "AccessKeyId": "...", )"
        R"("SecretAccessKey": "..."}, with "SessionToken" and "Expiration" when the credentials )"
        R"(are temporary))");
  fails(ProcessOutput{0, false,
                      R"({"Version": 1, "AccessKeyId": "A", "SecretAccessKey": "S", )"
                      R"("Expiration": "2001-02-03T04:05:06+01:00"})"},
        ErrorKind::credentials,
        "gave credentials that expired at 2001-02-03 03:05:06 UTC: renew them where it takes "
        "them from (sign in again)");
  // What it prints goes through the checks every key goes through.
  f.process_result =
      ProcessOutput{0, false, R"({"Version": 1, "AccessKeyId": "A\r", "SecretAccessKey": "S"})"};
  auto stray = f.resolve();
  ASSERT_FALSE(stray.has_value());
  EXPECT_NE(stray.error().message.find("the access key id from credential_process of profile "
                                       "default (~/.aws/config) contains a control character"),
            std::string::npos)
      << stray.error().message;

  // A setting that is no command is refused before anything runs.
  for (const auto& [value, problem] :
       {std::pair{"''", "names no program"}, std::pair{"\"\" x", "names no program"},
        std::pair{"'/bin/creds", "has a quote left open"},
        std::pair{"creds \\", "ends in a backslash"}}) {
    f.files[kConfig] = std::string("[default]\ncredential_process = ") + value + "\n";
    f.ran.clear();
    auto r = f.resolve();
    ASSERT_FALSE(r.has_value()) << value;
    EXPECT_EQ(r.error().kind, ErrorKind::config);
    EXPECT_NE(r.error().message.find(problem), std::string::npos) << r.error().message;
    EXPECT_NE(r.error().message.find("credential_process of profile 'default' in ~/.aws/config"),
              std::string::npos)
        << r.error().message;
    EXPECT_TRUE(f.ran.empty());
  }
}

TEST(S3ConfigResolve, AnEmptyProfileOrFileVariableIsNoFallBackToTheDefaults) {
  // AWS_PROFILE="$PROD_PROFILE" with the variable unset used [default]'s keys: another
  // identity (the AWS CLI: "The config profile () could not be found").
  Fake f;
  f.files[kCreds] = "[default]\naws_access_key_id = D\naws_secret_access_key = S\n";
  for (const char* name : {"AWS_PROFILE", "AWS_DEFAULT_PROFILE"}) {
    f.env[name] = " ";
    auto r = f.resolve();
    ASSERT_FALSE(r.has_value()) << name;
    EXPECT_EQ(r.error().kind, ErrorKind::config);
    EXPECT_EQ(r.error().message,
              std::string(name) + " is set but empty: name a profile or unset it");
    EXPECT_TRUE(f.resolve(profile_flag("default")).has_value()) << name;  // --profile wins
    f.env.erase(name);
  }
  // Only the variable in use counts.
  f.env["AWS_PROFILE"] = "default";
  f.env["AWS_DEFAULT_PROFILE"] = "";
  EXPECT_TRUE(f.resolve().has_value());
  f.env.erase("AWS_PROFILE");
  f.env.erase("AWS_DEFAULT_PROFILE");
  // An empty file variable names no file, as botocore reads it: not the one under HOME.
  f.env["AWS_SHARED_CREDENTIALS_FILE"] = "";
  auto none = f.resolve();
  ASSERT_FALSE(none.has_value());
  EXPECT_EQ(none.error().kind, ErrorKind::credentials);
  EXPECT_NE(none.error().message.find(
                "configure a profile in the credentials file (AWS_SHARED_CREDENTIALS_FILE is "
                "empty: none)"),
            std::string::npos)
      << none.error().message;
  f.env.erase("AWS_SHARED_CREDENTIALS_FILE");
  f.files[kConfig] = "[default]\nregion = eu-west-1\n";
  f.env["AWS_CONFIG_FILE"] = "";
  auto no_config = f.resolve();
  ASSERT_TRUE(no_config.has_value()) << no_config.error().message;
  EXPECT_NE(no_config->region, "eu-west-1");
}

TEST(S3ConfigResolve, AWebIdentityFromTheEnvironmentOutranksTheProfileFiles) {
  // An EKS pod's IRSA variables: botocore assumes that role before it reads
  // ~/.aws/credentials; the keys there would act as another identity.
  Fake f;
  f.files[kCreds] = "[default]\naws_access_key_id = K\naws_secret_access_key = S\n";
  f.env["AWS_ROLE_ARN"] = "arn:aws:iam::123456789012:role/x";
  f.env["AWS_WEB_IDENTITY_TOKEN_FILE"] = "/var/run/token";
  auto r = f.resolve();
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().kind, ErrorKind::credentials);
  EXPECT_NE(r.error().message.find("web identity"), std::string::npos);
  // A token file without a role: the AWS CLI refuses it; the keys were used.
  f.env.erase("AWS_ROLE_ARN");
  auto no_role = f.resolve();
  ASSERT_FALSE(no_role.has_value());
  EXPECT_NE(no_role.error().message.find("AWS_WEB_IDENTITY_TOKEN_FILE is set without AWS_ROLE_ARN"),
            std::string::npos)
      << no_role.error().message;
  f.env["AWS_ROLE_ARN"] = "arn:aws:iam::123456789012:role/x";
  // Keys in the environment come first, and --profile leaves the variables out (as botocore).
  EXPECT_TRUE(f.resolve(profile_flag("default")).has_value());
  f.env["AWS_ACCESS_KEY_ID"] = "E";
  f.env["AWS_SECRET_ACCESS_KEY"] = "ES";
  EXPECT_EQ(f.resolve()->credentials.access_key_id, "E");
}

// "[profile a b]" names no profile (botocore reads a header of two words
// only): its keys are not profile a's.
TEST(S3ConfigResolve, AHeaderOfThreeWordsNamesNoProfile) {
  Fake f;
  f.files[kConfig] = "[profile a b]\naws_access_key_id=A\naws_secret_access_key=S\n";
  auto c = f.resolve(profile_flag("a"));
  ASSERT_FALSE(c.has_value());
  EXPECT_NE(c.error().message.find("profile 'a' (from --profile) not found"), std::string::npos)
      << c.error().message;
}

TEST(S3ConfigResolve, KeysWithBlanksOrControlBytesAreRefusedUnshown) {
  Fake f;
  f.env["AWS_ACCESS_KEY_ID"] = "K";
  f.env["AWS_SECRET_ACCESS_KEY"] = "secret\r";  // $(cat file-from-windows)
  auto cr = f.resolve();
  ASSERT_FALSE(cr.has_value());
  EXPECT_EQ(cr.error().kind, ErrorKind::credentials);
  EXPECT_NE(cr.error().message.find("the secret access key from environment contains a control"),
            std::string::npos)
      << cr.error().message;
  EXPECT_EQ(cr.error().message.find("secret\r"), std::string::npos);
  f.env["AWS_SECRET_ACCESS_KEY"] = "secret\x7f";  // DEL is a control character too
  auto del = f.resolve();
  ASSERT_FALSE(del.has_value());
  EXPECT_NE(del.error().message.find("contains a control character"), std::string::npos)
      << del.error().message;

  // A CR LF would inject a header after X-Amz-Security-Token.
  f.env["AWS_SECRET_ACCESS_KEY"] = "S";
  f.env["AWS_SESSION_TOKEN"] = "abc\r\nX-Evil: 1";
  auto token = f.resolve();
  ASSERT_FALSE(token.has_value());
  EXPECT_NE(token.error().message.find("the session token"), std::string::npos);
  EXPECT_EQ(token.error().message.find("Evil"), std::string::npos);

  f.env.clear();
  f.env["HOME"] = "/home/u";
  f.files[kCreds] = "[default]\naws_access_key_id = K K\naws_secret_access_key = S\n";
  auto space = f.resolve();
  ASSERT_FALSE(space.has_value());
  EXPECT_NE(space.error().message.find("the access key id from profile default "
                                       "(~/.aws/credentials) contains a space"),
            std::string::npos)
      << space.error().message;
}

TEST(S3ConfigResolve, OlderSecurityTokenNames) {
  Fake f;
  f.env["AWS_ACCESS_KEY_ID"] = "K";
  f.env["AWS_SECRET_ACCESS_KEY"] = "S";
  f.env["AWS_SECURITY_TOKEN"] = "old";
  EXPECT_EQ(f.resolve()->credentials.session_token, "old");
  f.env["AWS_SESSION_TOKEN"] = "new";
  EXPECT_EQ(f.resolve()->credentials.session_token, "new");

  Fake g;
  g.files[kCreds] =
      "[default]\naws_access_key_id = K\naws_secret_access_key = S\n"
      "aws_security_token = old\n";
  EXPECT_EQ(g.resolve()->credentials.session_token, "old");
}

TEST(S3ConfigResolve, RegionMustBeARegionName) {
  Fake f;
  f.env["AWS_ACCESS_KEY_ID"] = "K";
  f.env["AWS_SECRET_ACCESS_KEY"] = "S";
  f.files[kConfig] = "[default]\nregion = eu-west-1 # Ireland\n";
  auto r = f.resolve();
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().kind, ErrorKind::config);
  EXPECT_NE(r.error().message.find("region 'eu-west-1 # Ireland' is not a region name"),
            std::string::npos);
  f.files[kConfig] = "[default]\nregion = eu-west-1\n";
  EXPECT_EQ(f.resolve()->region, "eu-west-1");
  // The rule is botocore's (is_region_name): no '-' at either end, not all
  // digits, at most 63 characters; upper case is a region name.
  for (const std::string& bad :
       std::vector<std::string>{"-eu-west-1", "eu-west-1-", "12345", std::string(64, 'r')}) {
    auto refused = f.resolve(region_flag(bad));
    ASSERT_FALSE(refused.has_value()) << bad;
    EXPECT_NE(refused.error().message.find("is not a region name"), std::string::npos);
  }
  EXPECT_EQ(f.resolve(region_flag("EU-WEST-1"))->region, "EU-WEST-1");
}

TEST(S3ConfigResolve, UnreadableFileIsAnErrorNotAbsence) {
  // Skipping it could drop the profile's endpoint_url: requests would go to AWS.
  Fake f;
  f.env["AWS_ACCESS_KEY_ID"] = "K";
  f.env["AWS_SECRET_ACCESS_KEY"] = "S";
  f.unreadable.insert(kConfig);
  auto r = f.resolve();
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().kind, ErrorKind::config);
  EXPECT_EQ(r.error().message, "cannot read ~/.aws/config: Permission denied");
  // Named by a variable: the variable is named too, as where to fix it.
  f.env["AWS_SHARED_CREDENTIALS_FILE"] = "/etc/creds";
  f.unreadable = {"/etc/creds"};
  auto named = f.resolve();
  ASSERT_FALSE(named.has_value());
  EXPECT_EQ(named.error().message,
            "cannot read /etc/creds (named by AWS_SHARED_CREDENTIALS_FILE): Permission denied");
}

TEST(S3ConfigResolve, ProfileFlagSaysWhyEnvironmentKeysAreUnused) {
  Fake f;
  f.env["AWS_ACCESS_KEY_ID"] = "K";
  f.env["AWS_SECRET_ACCESS_KEY"] = "S";
  f.files[kConfig] = "[profile p]\nregion = eu-west-1\n";
  auto r = f.resolve(profile_flag("p"));
  ASSERT_FALSE(r.has_value());
  EXPECT_NE(r.error().message.find("the environment's keys are not used with --profile"),
            std::string::npos)
      << r.error().message;
}

// --- the real environment and file system ---

TEST(S3ConfigReal, ProcessEnv) {
  ::setenv("S3LOOP_TEST_VAR", "value with spaces", 1);
  ::unsetenv("S3LOOP_TEST_UNSET");
  const EnvLookup env = process_env();
  EXPECT_EQ(env("S3LOOP_TEST_VAR"), std::optional<std::string>("value with spaces"));
  EXPECT_EQ(env("S3LOOP_TEST_UNSET"), std::nullopt);
  ::unsetenv("S3LOOP_TEST_VAR");
  // No HOME (a service started without an environment): the user's home from the
  // password database, where the AWS CLI looks too.
  const char* home = std::getenv("HOME");
  const std::optional<std::string> saved = home ? std::optional<std::string>(home) : std::nullopt;
  ::unsetenv("HOME");
  const passwd* user = ::getpwuid(::getuid());
  ASSERT_NE(user, nullptr);
  EXPECT_EQ(env("HOME"), std::optional<std::string>(user->pw_dir));
  if (saved) ::setenv("HOME", saved->c_str(), 1);
  // Set, even empty, it is what it says.
  ::setenv("HOME", "", 1);
  EXPECT_EQ(env("HOME"), std::optional<std::string>(""));
  if (saved) ::setenv("HOME", saved->c_str(), 1);
}

TEST(S3ConfigReal, FilesystemReader) {
  // The process id in the name: two test runs at once (a build and its
  // sanitizer build) must not write and remove one file.
  const std::string path =
      testing::TempDir() + "s3loop_config_reader_test." + std::to_string(::getpid()) + ".ini";
  const char raw[] = "[default]\nregion = x\n\0binary\xFF";  // NUL and non-UTF-8 kept
  const std::string content(raw, sizeof raw - 1);
  {
    std::ofstream out(path, std::ios::binary);
    out << content;
  }
  const FileReader read = filesystem_reader();
  ASSERT_TRUE(read(path).has_value());
  EXPECT_EQ(*read(path), std::optional<std::string>(content));
  std::remove(path.c_str());
  ASSERT_TRUE(read(path).has_value());
  EXPECT_EQ(*read(path), std::nullopt);
  EXPECT_EQ(*read(testing::TempDir() + "definitely/not/here"), std::nullopt);
  // There but not a regular file: refused, not read (a FIFO would block, /dev/zero never end).
  auto zero = read("/dev/zero");
  ASSERT_FALSE(zero.has_value());
  EXPECT_EQ(zero.error().message, "not a regular file");
  auto directory = read("/");
  ASSERT_FALSE(directory.has_value());
  EXPECT_EQ(directory.error().message, "it is a directory");
  // /dev/null, the usual way to say "no file here" (AWS_CONFIG_FILE=/dev/null), is empty.
  auto null = read("/dev/null");
  ASSERT_TRUE(null.has_value()) << null.error().message;
  EXPECT_EQ(*null, std::optional<std::string>(""));
}

}  // namespace
}  // namespace s3loop::s3
