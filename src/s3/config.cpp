// Credentials, region and endpoint resolution, following the AWS CLI's rules
// so that a machine configured for `aws s3` works unchanged.
#include "s3loop/s3/config.hpp"

#include "s3loop/net/proxy.hpp"

#include "s3loop/s3/host_label.hpp"
#include "s3loop/s3/instance_credentials.hpp"
#include "s3loop/s3/timestamp.hpp"
#include "s3loop/utf8.hpp"

#include "python_space.hpp"
#include "shell_words.hpp"

#include <fmt/format.h>
#include <pwd.h>
#include <sys/stat.h>
#include <unistd.h>
#include <boost/url/parse.hpp>

#include <array>
#include <cerrno>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <system_error>
#include <utility>
#include <vector>

namespace s3loop::s3 {
namespace {

using Section = std::map<std::string, std::string>;

// As botocore's configparser trims lines, keys and values: all of Python's
// whitespace, a pasted no-break space included, not only blanks.
std::string_view trim(std::string_view s) {
  return strip_python_space(s);
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

Error ini_error(int line, std::string_view what) {
  // Never echo the line itself: it may hold a secret key.
  return make_error(ErrorKind::config, fmt::format("line {}: {}", line, what));
}

// A key and the lines of its value: the first from the key's own line, then
// those of the indented lines that continue it.
struct Option {
  std::string key;  // empty: none open
  std::size_t indent = 0;
  std::vector<std::pair<int, std::string>> lines;  // line number, trimmed text
};

// As botocore: a value that starts on the line after its key ("s3 =" and an
// indented block) is a block of "key = value" lines, stored as "s3.key";
// any other value is its lines joined by '\n' -- which no setting s3loop
// reads accepts, nor does the AWS CLI.
Result<void> store(const Option& option, Section* section) {
  if (option.key.empty()) return {};
  const auto first = option.lines.begin();
  auto last = option.lines.end();
  while (last != first && last[-1].second.empty()) --last;  // configparser strips the end
  if (last - first > 1 && first->second.empty()) {
    (*section)[option.key] = "";
    for (auto it = first + 1; it != last; ++it) {
      if (it->second.empty()) continue;
      const std::string_view sub = it->second;
      const std::size_t eq = sub.find('=');
      if (eq == std::string_view::npos) {
        return ini_error(it->first,
                         "expected 'key = value' in this indented block (botocore reads only "
                         "'=' there, not ':')");
      }
      // Its case kept, as botocore's _parse_nested keeps it ("Endpoint_URL"
      // there is no endpoint_url); only configparser's own keys are lowered.
      const std::string sub_key(trim(sub.substr(0, eq)));
      if (sub_key.empty()) return ini_error(it->first, "missing key before '='");
      (*section)[option.key + "." + sub_key] = std::string(trim(sub.substr(eq + 1)));
    }
    return {};
  }
  // A plain key spelled like a block's ("s3.endpoint_url = ..." on one
  // line) is no setting botocore reads: left out, not taken for the block's
  // (a review: s3loop used that endpoint, aws went to AWS).
  if (option.key.find('.') != std::string::npos) return {};
  std::string value;
  for (auto it = first; it != last; ++it) {
    if (it != first) value += '\n';
    value += it->second;
  }
  (*section)[option.key] = std::move(value);
  return {};
}

std::optional<std::string> get(const Section* s, const std::string& key) {
  if (s == nullptr) return std::nullopt;
  const auto it = s->find(key);
  if (it == s->end() || it->second.empty()) return std::nullopt;
  return it->second;
}

// One shared file: where it is, how to name it to the user, what it holds.
struct SharedFile {
  std::string path;   // empty when there is no HOME and no override
  std::string shown;  // "~/.aws/credentials" when under HOME
  std::optional<IniSections> ini;
};

// $NAME and ${NAME} replaced by the variable's value, as Python's
// os.path.expandvars does (NAME of letters, digits and '_'; one that is not
// set stays as written).
std::string expand_variables(const std::string& path, const EnvLookup& env) {
  const auto is_name_char = [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
  };
  std::string out;
  std::size_t i = 0;
  while (i < path.size()) {
    if (path[i] != '$' || i + 1 == path.size()) {
      out += path[i++];
      continue;
    }
    std::size_t end = i + 1;
    std::string name;
    if (path[end] == '{') {
      const std::size_t close = path.find('}', end + 1);
      if (close == std::string::npos) {
        out += path[i++];
        continue;
      }
      name = path.substr(end + 1, close - end - 1);
      end = close + 1;
    } else {
      while (end < path.size() && is_name_char(path[end])) ++end;
      name = path.substr(i + 1, end - i - 1);
    }
    const auto value = name.empty() ? std::nullopt : env(name);
    out += value ? *value : path.substr(i, end - i);
    i = end;
  }
  return out;
}

Result<SharedFile> load_shared_file(const EnvLookup& env, const FileReader& read_file,
                                    std::string_view override_var, std::string_view default_rel) {
  const std::string home = env("HOME").value_or("");
  SharedFile f;
  const auto named = env(override_var);
  if (named && named->empty()) {
    // Set but empty, as an unset shell variable leaves it
    // (AWS_CONFIG_FILE="$CONF"): no file, as botocore reads it -- not the
    // one under HOME, whose profiles and keys may be another identity's.
    // (Quoted where a path would be: "not found in ~/.aws/credentials".)
    f.shown =
        fmt::format("the {} file ({} is empty: none)",
                    default_rel.ends_with("credentials") ? "credentials" : "config", override_var);
    return f;
  }
  if (named) {
    // The AWS CLI expands variables, then '~', in these variables (shells do
    // neither inside quotes): AWS_CONFIG_FILE='$HOME/conf' names a file.
    f.path = expand_variables(*named, env);
    if ((f.path == "~" || f.path.starts_with("~/")) && !home.empty()) {
      f.path = home + f.path.substr(1);
    }
  } else if (!home.empty()) {
    f.path = fmt::format("{}/{}", home, default_rel);
  }
  const std::string home_prefix = home.empty() ? std::string() : home + "/";
  if (f.path.empty()) {
    f.shown = fmt::format("~/{}", default_rel);
  } else if (!home_prefix.empty() && f.path.starts_with(home_prefix)) {
    f.shown = "~/" + f.path.substr(home_prefix.size());
  } else {
    f.shown = f.path;
  }
  if (f.path.empty()) return f;
  auto content = read_file(f.path);
  if (!content) {
    // The variable that named it is where the user fixes it.
    const std::string named_by = named ? fmt::format(" (named by {})", override_var) : "";
    return make_error(ErrorKind::config, fmt::format("cannot read {}{}: {}", f.shown, named_by,
                                                     content.error().message));
  }
  if (!*content) return f;
  auto ini = parse_ini(**content);
  if (!ini) {
    return make_error(ErrorKind::config,
                      fmt::format("cannot parse {}: {}", f.shown, ini.error().message));
  }
  f.ini = std::move(*ini);
  return f;
}

// A "[kind name]" section of ~/.aws/config: profile, services. As
// botocore's build_profile_map reads a header, blanks inside the brackets
// kept: one that starts with the kind ("[ profile dev]" does not) and that
// shlex splits into two words names the second ("[profile  dev ]" names
// dev; the first word is not looked at).
bool names_section(std::string_view header, std::string_view kind, std::string_view name) {
  if (!header.starts_with(kind)) return false;
  const auto words = split_shell_words(header);
  return words && words->size() == 2 && (*words)[1] == name;
}

// In ~/.aws/config a profile is "[profile name]" ("[profile 'my prof']", as
// aws configure writes a name with a space), except the default one, which
// may be "[default]" (the common form; exactly that, as botocore has it: not
// "[ default ]") or "[profile default]".
const Section* config_profile(const IniSections& ini, std::string_view name) {
  const Section* fallback = nullptr;
  for (const auto& [section, values] : ini) {
    if (section == "default" && name == "default") fallback = &values;
    if (names_section(section, "profile", name)) return &values;
  }
  return fallback;
}

// Two sections of ~/.aws/config that name the same profile ("[default]" and
// "[profile default]", "[profile x]" and "[profile  x]"): botocore takes the
// one later in the file, which the sections' map here no longer knows, and
// config_profile would take another -- so another endpoint and region than
// aws cli's. Refused, as a section named twice is, naming both.
std::optional<Error> profile_named_twice(const IniSections& ini, std::string_view name,
                                         const std::string& shown) {
  std::vector<std::string> naming;
  for (const auto& [section, values] : ini) {
    if ((section == "default" && name == "default") || names_section(section, "profile", name)) {
      naming.push_back("[" + section + "]");
    }
  }
  if (naming.size() < 2) return std::nullopt;
  return make_error(ErrorKind::config,
                    fmt::format("cannot parse {}: {} and {} both set profile {}: merge them into "
                                "one section (the AWS CLI would use whichever comes later)",
                                shown, naming[0], naming[1], name));
}

// The [services name] section; two that name it ("[services loc]" and
// "[services  loc]") are refused as two profiles are (botocore takes the
// later one; the map here would take another: a review saw plain http where
// aws used TLS).
Result<const Section*> services_section(const IniSections& ini, std::string_view name,
                                        const std::string& shown) {
  const Section* found = nullptr;
  std::string found_name;
  for (const auto& [section, values] : ini) {
    if (!names_section(section, "services", name)) continue;
    if (found != nullptr) {
      return make_error(ErrorKind::config,
                        fmt::format("cannot parse {}: [{}] and [{}] both set services {}: merge "
                                    "them into one section (the AWS CLI would use whichever "
                                    "comes later)",
                                    shown, found_name, section, name));
    }
    found = &values;
    found_name = section;
  }
  return found;
}

const Section* find_section(const std::optional<IniSections>& ini, const std::string& name) {
  if (!ini) return nullptr;
  const auto it = ini->find(name);
  return it == ini->end() ? nullptr : &it->second;
}

struct FoundCredentials {
  Credentials creds;
  std::string source;
  std::optional<std::int64_t> expires_at;
};

// Static keys from one profile section. Half a key pair is a mistake worth
// reporting rather than silently skipping to the next source.
Result<std::optional<FoundCredentials>> credentials_from(const Section* s,
                                                         const std::string& profile,
                                                         const std::string& shown) {
  const auto id = get(s, "aws_access_key_id");
  const auto secret = get(s, "aws_secret_access_key");
  if (!id && !secret) return std::optional<FoundCredentials>();
  if (!id || !secret) {
    return make_error(ErrorKind::config,
                      fmt::format("profile '{}' in {} has {} but no {}", profile, shown,
                                  id ? "aws_access_key_id" : "aws_secret_access_key",
                                  id ? "aws_secret_access_key" : "aws_access_key_id"));
  }
  FoundCredentials f;
  f.creds.access_key_id = *id;
  f.creds.secret_access_key = *secret;
  // aws_security_token: the older name, which botocore still reads.
  f.creds.session_token =
      get(s, "aws_session_token").value_or(get(s, "aws_security_token").value_or(""));
  f.source = fmt::format("profile {} ({})", profile, shown);
  return std::optional<FoundCredentials>(std::move(f));
}

// A profile's credential_process: its words split as shlex splits them
// (botocore runs it with no shell). Messages name the program, not its
// arguments (they may hold a secret: a token, a vault's password).
struct CredentialCommand {
  std::vector<std::string> argv;
  std::string what;  // "credential_process of profile 'p' ('helper' in ~/.aws/config)"
};

Result<CredentialCommand> credential_command(const std::string& command, const std::string& profile,
                                             const std::string& shown) {
  auto words = split_shell_words(command);
  if (!words || words->empty() || words->front().empty()) {
    return make_error(
        ErrorKind::config,
        fmt::format("credential_process of profile '{}' in {} {}: write the command that prints "
                    "the credentials, as you would in a shell, or remove the setting",
                    profile, shown,
                    words ? "names no program" : "has a quote left open or ends in a backslash"));
  }
  std::string what = fmt::format("credential_process of profile '{}' ('{}' in {})", profile,
                                 words->front(), shown);
  return CredentialCommand{std::move(*words), std::move(what)};
}

// Keys go into the Authorization and X-Amz-Security-Token headers: a CR or
// LF would split the header (a second header injected), and any blank or
// control byte -- a "\r" left by a Windows file, a pasted space -- can only
// fail the signature later with a less helpful message. The value is never
// shown: it is a secret.
Result<void> check_key_bytes(std::string_view value, std::string_view what,
                             std::string_view source) {
  for (const char c : value) {
    const auto u = static_cast<unsigned char>(c);
    if (u <= 0x20 || u == 0x7f) {
      return make_error(
          ErrorKind::credentials,
          fmt::format("{} from {} contains a {} character: remove it (a stray \\r from a "
                      "Windows file, a space or a line break)",
                      what, source, u == 0x20 ? "space" : "control"));
    }
  }
  return {};
}

Result<void> check_credentials(const Credentials& c, std::string_view source) {
  if (auto r = check_key_bytes(c.access_key_id, "the access key id", source); !r) return r;
  if (auto r = check_key_bytes(c.secret_access_key, "the secret access key", source); !r) return r;
  return check_key_bytes(c.session_token, "the session token", source);
}

// One run of a credential process, its credentials checked as any keys are.
Result<ProcessCredentials> fetch_checked(const CredentialCommand& command,
                                         const ProcessRunner& run_process,
                                         const std::string& source,
                                         const std::atomic<bool>* stop = nullptr) {
  auto fetched = fetch_process_credentials(command.argv, command.what, run_process,
                                           static_cast<std::int64_t>(std::time(nullptr)), stop);
  if (!fetched) return fetched;
  if (auto r = check_credentials(fetched->credentials, source); !r) return r.error();
  return fetched;
}

// A region is part of host names and of the signature's scope; an inline
// "# comment" after it is not one.
Result<void> check_region(const std::string& region) {
  if (is_region_name(region)) return {};
  return make_error(ErrorKind::config,
                    fmt::format("region '{}' is not a region name (letters, digits and inner '-', "
                                "e.g. us-east-1): check --region, AWS_REGION, AWS_DEFAULT_REGION "
                                "and the profile's region (comments go on lines of their own)",
                                region));
}

Result<AddressingStyle> parse_addressing_style(const std::string& v, const std::string& profile) {
  if (v == "auto") return AddressingStyle::automatic;
  if (v == "path") return AddressingStyle::path;
  if (v == "virtual") return AddressingStyle::virtual_hosted;
  return make_error(ErrorKind::config,
                    fmt::format("invalid s3.addressing_style '{}' in profile '{}' (expected auto, "
                                "path or virtual)",
                                v, profile));
}

// configparser's [DEFAULT] (botocore reads the files with it) is no profile
// of its own: each of its keys is inherited by every section that does not set
// that key itself -- a nested one ("s3 =" with its indented lines) as a whole,
// since configparser sees one value there.
void inherit_default_section(IniSections& ini) {
  const auto defaults = ini.find("DEFAULT");
  if (defaults == ini.end()) return;
  const Section inherited = std::move(defaults->second);
  ini.erase(defaults);
  const auto top_key = [](const std::string& key) { return key.substr(0, key.find('.')); };
  for (auto& [name, values] : ini) {
    std::set<std::string> own;
    for (const auto& entry : values) own.insert(top_key(entry.first));
    for (const auto& [key, value] : inherited) {
      if (!own.contains(top_key(key))) values.emplace(key, value);
    }
  }
}

}  // namespace

Result<IniSections> parse_ini(std::string_view file_text) {
  // botocore reads the files as plain UTF-8, so a byte order mark is part of
  // the first line to it, which is then no "[section]": the AWS CLI refuses
  // such a file, and s3loop says why.
  if (file_text.starts_with("\xEF\xBB\xBF")) {
    return ini_error(1,
                     "the file starts with a UTF-8 byte order mark (BOM), which the AWS CLI "
                     "cannot read either: save it as UTF-8 without a BOM");
  }
  // Windows PowerShell's "Unicode" (Out-File, '>'): UTF-16, which the AWS
  // CLI cannot decode either; read as bytes its first line is no
  // "[section]", and the error would not say why.
  if (file_text.starts_with("\xFF\xFE") || file_text.starts_with("\xFE\xFF")) {
    return ini_error(1,
                     "the file starts with a UTF-16 byte order mark: it is UTF-16 text, which the "
                     "AWS CLI cannot read either: save it as UTF-8");
  }
  // Nor can it decode other bytes than UTF-8 (a file saved as Latin-1 or
  // cp1252: a pasted no-break space is then the byte 0xA0, which signed
  // every request with a secret the server does not know).
  if (const std::size_t bad = utf8::first_invalid(file_text); bad != std::string_view::npos) {
    int line = 1;
    for (std::size_t i = 0; i < bad; ++i) {
      if (file_text[i] == '\n' || (file_text[i] == '\r' && file_text[i + 1] != '\n')) ++line;
    }
    return ini_error(line, fmt::format("a byte that is not UTF-8 (0x{:02X}): the file is in "
                                       "another encoding, which the AWS CLI cannot read "
                                       "either: save it as UTF-8",
                                       static_cast<unsigned char>(file_text[bad])));
  }
  // Python reads text with universal newlines: "\r\n" and a lone "\r" (an
  // old Mac editor's) end a line as "\n" does.
  std::string lines;
  lines.reserve(file_text.size());
  for (std::size_t i = 0; i < file_text.size(); ++i) {
    if (file_text[i] != '\r') {
      lines.push_back(file_text[i]);
    } else if (i + 1 == file_text.size() || file_text[i + 1] != '\n') {
      lines.push_back('\n');
    }
  }
  std::string_view text = lines;
  IniSections out;
  std::map<std::string, int> section_lines;  // where each section began
  Section* section = nullptr;
  std::string section_name;
  std::map<std::string, int> key_lines;  // the current section's keys, where each was set
  Option option;                         // the key whose value indented lines continue
  int line_no = 0;
  while (!text.empty()) {
    const std::size_t nl = text.find('\n');
    const std::string_view raw = text.substr(0, nl);
    text.remove_prefix(nl == std::string_view::npos ? text.size() : nl + 1);
    ++line_no;

    const std::string_view line = trim(raw);
    if (line.empty()) {
      // An empty line inside a value is kept (configparser's
      // empty_lines_in_values) and does not end it.
      if (!option.key.empty()) option.lines.push_back({line_no, {}});
      continue;
    }
    if (line.front() == '#' || line.front() == ';') continue;  // not even inside a value
    // As configparser: a line indented deeper than its key's line continues
    // that key's value ("s3 =" then "  addressing_style = path"; or
    // "region = x" then "  y", the value "x\ny").
    const std::size_t indent = python_indent(raw);
    if (!option.key.empty() && indent > option.indent) {
      option.lines.push_back({line_no, std::string(line)});
      continue;
    }
    if (auto r = store(option, section); !r) return r.error();
    option = Option();

    if (line.front() == '[') {
      // Like configparser's "\[(?P<header>.+)\]": the name runs to the last
      // ']' and whatever follows it ("[default] ; note") is ignored.
      const std::size_t close = line.rfind(']');
      if (close == std::string_view::npos) {
        return ini_error(line_no, "section header without closing ']'");
      }
      // The name as written between the brackets, blanks kept: "[ default ]"
      // is no [default] to configparser, nor "[ profile dev]" a profile.
      section_name = std::string(line.substr(1, close - 1));
      if (section_name.empty()) return ini_error(line_no, "empty section name");
      // botocore refuses a file naming a section twice (configparser's
      // strict mode), rather than merge or pick one.
      if (const auto [it, fresh] = section_lines.emplace(section_name, line_no); !fresh) {
        return ini_error(line_no, fmt::format("[{}] appears again (first on line {}): merge the "
                                              "two sections into one, as the AWS CLI refuses "
                                              "the file too",
                                              section_name, it->second));
      }
      section = &out[section_name];
      key_lines.clear();
      continue;
    }

    // '=' or ':' like Python's configparser, which the AWS CLI uses; the
    // first one wins, so values may contain either ("http://host:9000").
    const std::size_t sep = line.find_first_of("=:");
    if (sep == std::string_view::npos) {
      return ini_error(line_no, "expected '[section]' or 'key = value'");
    }
    option.key = lower(trim(line.substr(0, sep)));
    if (option.key.empty()) return ini_error(line_no, "missing key before '='");
    if (section == nullptr) {
      // Not even the key is shown: a pasted token "AQo...==" parses as one.
      return ini_error(line_no, "key = value before any [section]");
    }
    // Nor here: the lines say which key, the same way.
    if (const auto [it, fresh] = key_lines.emplace(option.key, line_no); !fresh) {
      return ini_error(line_no, fmt::format("this key is already set in [{}] on line {}: keep "
                                            "one of the two, as the AWS CLI refuses the file too",
                                            section_name, it->second));
    }
    option.indent = indent;
    option.lines.push_back({line_no, std::string(trim(line.substr(sep + 1)))});
  }
  if (auto r = store(option, section); !r) return r.error();
  inherit_default_section(out);
  return out;
}

namespace {

// The container credentials endpoint the environment names, as botocore's
// ContainerProvider reads it (RELATIVE_URI first), with the hosts it
// allows a plain-http FULL_URI to name; none when neither is set.
Result<std::optional<ContainerEndpoint>> container_endpoint(
    const std::function<std::optional<std::string>(std::string_view)>& env_set,
    const FileReader& read_file) {
  ContainerEndpoint endpoint;
  if (const auto relative = env_set("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI")) {
    endpoint.url =
        "http://169.254.170.2" + (relative->starts_with('/') ? "" : std::string("/")) + *relative;
    endpoint.url_source = "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI";
  } else if (const auto full = env_set("AWS_CONTAINER_CREDENTIALS_FULL_URI")) {
    endpoint.url = *full;
    endpoint.url_source = "AWS_CONTAINER_CREDENTIALS_FULL_URI";
    auto parsed = boost::urls::parse_absolute_uri(*full);
    const std::string host = parsed
                                 ? std::string(parsed->host_type() == boost::urls::host_type::ipv6
                                                   ? parsed->encoded_host_address()
                                                   : parsed->encoded_host())
                                 : std::string();
    const bool allowed = host == "localhost" || host.starts_with("127.") || host == "::1" ||
                         host == "169.254.170.2" || host == "169.254.170.23" ||
                         host == "fd00:ec2::23";
    if (!parsed || parsed->scheme() != "http" || !allowed) {
      return make_error(ErrorKind::config,
                        fmt::format("AWS_CONTAINER_CREDENTIALS_FULL_URI '{}' is not a plain "
                                    "http:// URL on a loopback address, 169.254.170.2 or "
                                    "169.254.170.23 (the ones s3loop asks, as botocore): "
                                    "export the credentials first, e.g. eval \"$(aws configure "
                                    "export-credentials --format env)\"",
                                    *full));
    }
  } else {
    return std::optional<ContainerEndpoint>();
  }
  std::optional<std::string> token;
  if (const auto file = env_set("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE")) {
    auto content = read_file(*file);
    if (!content || !*content) {
      return make_error(
          ErrorKind::config,
          fmt::format("cannot read AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE '{}'{}", *file,
                      content ? ": no such file" : ": " + content.error().message));
    }
    token = **content;
    while (!token->empty() && (token->back() == '\n' || token->back() == '\r')) token->pop_back();
  } else {
    token = env_set("AWS_CONTAINER_AUTHORIZATION_TOKEN");
  }
  if (token && token->find_first_of("\r\n") != std::string::npos) {
    return make_error(ErrorKind::config,
                      "the container authorization token holds a line break: it would end the "
                      "request's header");
  }
  endpoint.authorization = std::move(token);
  return std::optional<ContainerEndpoint>(std::move(endpoint));
}

}  // namespace

Result<ResolvedConfig> resolve_config(const ConfigOverrides& flags, const EnvLookup& env,
                                      const FileReader& read_file, const ProcessRunner& run_process,
                                      const RoleEndpoints& roles) {
  auto env_set = [&env](std::string_view name) -> std::optional<std::string> {
    auto v = env(name);
    if (!v || v->empty()) return std::nullopt;
    return v;
  };

  // An empty value is almost always an unset shell variable
  // (--endpoint-url "$MINIO_URL"): falling through to the next source would
  // send requests -- signed with real keys -- somewhere else, AWS included.
  for (const auto& [flag, value] :
       {std::pair{"--profile", &flags.profile}, std::pair{"--region", &flags.region},
        std::pair{"--endpoint-url", &flags.endpoint_url},
        std::pair{"--ca-bundle", &flags.ca_bundle}}) {
    if (*value && trim(**value).empty()) {
      return make_error(ErrorKind::config,
                        fmt::format("{} is empty: give it a value or leave it out", flag));
    }
  }

  // The same for the variables that name the profile (the AWS CLI says "The
  // config profile () could not be found"): the default profile would be
  // another identity. Only the one in use counts.
  if (!flags.profile) {
    for (const char* name : {"AWS_PROFILE", "AWS_DEFAULT_PROFILE"}) {
      const auto value = env(name);
      if (!value) continue;
      if (trim(*value).empty()) {
        return make_error(ErrorKind::config,
                          fmt::format("{} is set but empty: name a profile or unset it", name));
      }
      break;
    }
  }

  ResolvedConfig cfg;
  const char* profile_from = nullptr;  // which setting named the profile; none: "default"
  if (flags.profile) {
    cfg.profile = *flags.profile;
    profile_from = "--profile";
  } else if (auto p = env_set("AWS_PROFILE")) {
    cfg.profile = *p;
    profile_from = "AWS_PROFILE";
  } else if (auto q = env_set("AWS_DEFAULT_PROFILE")) {
    cfg.profile = *q;
    profile_from = "AWS_DEFAULT_PROFILE";
  } else {
    cfg.profile = "default";
  }
  cfg.profile_source = profile_from != nullptr ? profile_from : "default";

  auto creds_file =
      load_shared_file(env, read_file, "AWS_SHARED_CREDENTIALS_FILE", ".aws/credentials");
  if (!creds_file) return creds_file.error();
  auto config_file = load_shared_file(env, read_file, "AWS_CONFIG_FILE", ".aws/config");
  if (!config_file) return config_file.error();

  if (config_file->ini) {
    if (auto twice = profile_named_twice(*config_file->ini, cfg.profile, config_file->shown)) {
      return *twice;
    }
  }
  const Section* creds_section = find_section(creds_file->ini, cfg.profile);
  const Section* config_section =
      config_file->ini ? config_profile(*config_file->ini, cfg.profile) : nullptr;
  if (profile_from != nullptr && creds_section == nullptr && config_section == nullptr) {
    // A common slip: "[name]" in ~/.aws/config, where profiles are "[profile name]".
    const bool unprefixed = find_section(config_file->ini, cfg.profile) != nullptr;
    return make_error(
        ErrorKind::config,
        fmt::format("profile '{}' (from {}) not found in {} or {}{}", cfg.profile, profile_from,
                    creds_file->shown, config_file->shown,
                    unprefixed
                        ? fmt::format(" (in {} write [profile {}], not [{}])", config_file->shown,
                                      cfg.profile.find_first_of(" \t'\"") == std::string::npos
                                          ? cfg.profile
                                          : "'" + cfg.profile + "'",
                                      cfg.profile)
                        : ""));
  }
  // As in botocore, a profile's settings are its config section overlaid
  // with its credentials section.
  Section settings = config_section ? *config_section : Section();
  if (creds_section) {
    for (const auto& [k, v] : *creds_section) settings[k] = v;
  }

  // Only a config file makes a value of several lines: a line indented below
  // "key = ..." continues it, as in the AWS CLI, which then refuses it too.
  // Shown, it would break the one-line message; keys are checked apart.
  for (const char* key : {"region", "endpoint_url", "s3.endpoint_url", "ca_bundle",
                          "s3.addressing_style", "services", "ignore_configured_endpoint_urls"}) {
    if (const auto v = get(&settings, key); v && v->find('\n') != std::string::npos) {
      return make_error(ErrorKind::config,
                        fmt::format("{} in profile {} goes on over an indented line below it (an "
                                    "indented line continues the value above, as in the AWS "
                                    "CLI): remove that line's indentation",
                                    key, cfg.profile));
    }
  }

  // Credentials. An explicit --profile outranks the environment's keys (the
  // AWS CLI drops its environment provider then); AWS_PROFILE does not.
  std::vector<std::string> tried;
  std::optional<FoundCredentials> found;
  if (!flags.profile && env_set("AWS_WEB_IDENTITY_TOKEN_FILE") &&
      !(env_set("AWS_ACCESS_KEY_ID") && env_set("AWS_SECRET_ACCESS_KEY"))) {
    // As botocore ranks it: a web identity from the environment (an EKS pod's
    // IRSA) outranks the profile files; their keys would act as another
    // identity. A token file without a role is refused by the AWS CLI too.
    if (!env_set("AWS_ROLE_ARN")) {
      return make_error(ErrorKind::credentials,
                        "AWS_WEB_IDENTITY_TOKEN_FILE is set without AWS_ROLE_ARN, a web identity "
                        "with no role (the AWS CLI refuses it too): unset it, or set "
                        "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY");
    }
    return make_error(ErrorKind::credentials,
                      "AWS_ROLE_ARN and AWS_WEB_IDENTITY_TOKEN_FILE ask for a web identity (an "
                      "assumed role), which s3loop does not support: set AWS_ACCESS_KEY_ID and "
                      "AWS_SECRET_ACCESS_KEY (and AWS_SESSION_TOKEN) to that role's credentials");
  }
  if (!flags.profile) {
    tried.emplace_back("environment");
    const auto id = env_set("AWS_ACCESS_KEY_ID");
    const auto secret = env_set("AWS_SECRET_ACCESS_KEY");
    if (id && secret) {
      // AWS_SECURITY_TOKEN: the older name, which botocore still reads.
      const auto token =
          env_set("AWS_SESSION_TOKEN").value_or(env_set("AWS_SECURITY_TOKEN").value_or(""));
      found = FoundCredentials{{*id, *secret, token}, "environment", std::nullopt};
    } else if (id || secret) {
      // The other one unset, or set but empty ("$UNSET_VARIABLE"): said as it is.
      const char* missing = id ? "AWS_SECRET_ACCESS_KEY" : "AWS_ACCESS_KEY_ID";
      const bool empty = env(missing).has_value();
      return make_error(ErrorKind::credentials,
                        fmt::format("{} is set but {} is {}: set both, or unset {} to use a "
                                    "profile",
                                    id ? "AWS_ACCESS_KEY_ID" : "AWS_SECRET_ACCESS_KEY", missing,
                                    empty ? "empty" : "not", empty ? "both" : "it"));
    }
  }
  // In botocore's order: a profile that assumes a role, or signs in through
  // SSO or a web identity, outranks its static keys (the keys of a
  // source_profile, say) -- using them instead would act as another identity.
  // Any SSO setting makes botocore take (or refuse, when one is missing) the
  // SSO provider. An `aws login` session (login_session) and credential_process
  // rank below the credentials file's keys and above the config file's.
  auto unsupported = [&](const char* key) {
    return make_error(ErrorKind::credentials,
                      fmt::format("profile '{}' uses {}, which s3loop does not support: "
                                  "set aws_access_key_id and aws_secret_access_key instead",
                                  cfg.profile, key));
  };
  if (!found) {
    tried.push_back(fmt::format("profile '{}'", cfg.profile));
    for (const char* key : {"role_arn", "web_identity_token_file", "sso_session", "sso_start_url",
                            "sso_account_id", "sso_role_name", "sso_region"}) {
      if (get(&settings, key)) return unsupported(key);
    }
    const std::array<std::pair<const Section*, const SharedFile*>, 2> sources{
        {{creds_section, &*creds_file}, {config_section, &*config_file}}};
    for (const auto& [section, file] : sources) {
      if (file == &*config_file) {
        if (get(&settings, "login_session")) return unsupported("login_session");
        if (const auto command = get(&settings, "credential_process")) {
          // (The credentials file may hold it too: a profile's settings are both.)
          const bool in_creds_file = creds_section && creds_section->contains("credential_process");
          const std::string& shown = (in_creds_file ? creds_file : config_file)->shown;
          auto process = credential_command(*command, cfg.profile, shown);
          if (!process) return process.error();
          std::string source =
              fmt::format("credential_process of profile {} ({})", cfg.profile, shown);
          auto fetched = fetch_checked(*process, run_process, source);
          if (!fetched) return fetched.error();
          if (fetched->expires_at) {
            // Renewed during a run as the AWS CLI renews them (RenewingCredentials).
            cfg.renew_credentials = [command = std::move(*process), run_process,
                                     source](const std::atomic<bool>* stop) {
              return fetch_checked(command, run_process, source, stop);
            };
          }
          found = FoundCredentials{std::move(fetched->credentials), std::move(source),
                                   fetched->expires_at};
          break;
        }
      }
      auto c = credentials_from(section, cfg.profile, file->shown);
      if (!c) return c.error();
      if (*c) {
        found = std::move(**c);
        break;
      }
    }
  }
  // The machine's role last, as botocore's chain has it: a container's
  // credentials endpoint when the environment names one, else the EC2
  // instance metadata service (unless AWS_EC2_METADATA_DISABLED).
  // A role's credentials, renewed before they expire by asking again.
  const auto take_role = [&](const ProcessCredentials& fetched, std::string source,
                             std::function<Result<ProcessCredentials>()> ask_again) {
    found = FoundCredentials{fetched.credentials, std::move(source), fetched.expires_at};
    if (fetched.expires_at) {
      cfg.renew_credentials = [ask_again = std::move(ask_again)](const std::atomic<bool>*) {
        return ask_again();
      };
    }
  };
  if (!found && roles.container) {
    auto endpoint = container_endpoint(env_set, read_file);
    if (!endpoint) return endpoint.error();
    if (*endpoint) {
      auto fetched = fetch_container_credentials(**endpoint, roles.container);
      if (!fetched) return fetched.error();
      take_role(*fetched, "container role (" + (*endpoint)->url_source + ")",
                [ask = **endpoint, request = roles.container] {
                  return fetch_container_credentials(ask, request);
                });
    }
  }
  const auto metadata_disabled = env_set("AWS_EC2_METADATA_DISABLED");
  if (!found && roles.instance && !(metadata_disabled && lower(*metadata_disabled) == "true")) {
    std::string url = env_set("AWS_EC2_METADATA_SERVICE_ENDPOINT")
                          .value_or(get(&settings, "ec2_metadata_service_endpoint").value_or(""));
    if (url.empty()) {
      auto mode = env_set("AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE");
      if (!mode) mode = get(&settings, "ec2_metadata_service_endpoint_mode");
      url = mode && lower(*mode) == "ipv6" ? "http://[fd00:ec2::254]" : "http://169.254.169.254";
    }
    auto fetched = fetch_instance_credentials(url, roles.instance);
    if (fetched) {
      take_role(*fetched, "EC2 instance role (" + url + ")", [url, request = roles.instance] {
        return fetch_instance_credentials(url, request);
      });
    } else if (fetched.error().kind == ErrorKind::credentials) {
      // It answered but has no role for us: said, as the reason nothing was found.
      tried.push_back(fetched.error().message);
    } else {
      tried.push_back("EC2 instance metadata at " + url + " (no answer: not an EC2 instance)");
    }
  }
  if (!found) {
    std::string tried_list;
    for (const std::string& t : tried) {
      if (!tried_list.empty()) tried_list += ", ";
      tried_list += t;
    }
    // An ECS task's or EKS pod's role, where botocore would ask the container
    // credentials endpoint next, and that is not asked here (the library's
    // callers that pass no RoleEndpoints): say that this is what is missing,
    // not only that keys are (the user has none to set).
    if (!roles.container) {
      for (const char* variable :
           {"AWS_CONTAINER_CREDENTIALS_FULL_URI", "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI"}) {
        if (!env_set(variable)) continue;
        return make_error(ErrorKind::credentials,
                          fmt::format("no AWS credentials found (tried: {}); {} asks for a "
                                      "container role's credentials (ECS, EKS Pod Identity), "
                                      "which are not fetched here: export them first, e.g. "
                                      "eval \"$(aws configure export-credentials --format env)\"",
                                      tried_list, variable));
      }
    }
    return make_error(
        ErrorKind::credentials,
        fmt::format("no AWS credentials found: set AWS_ACCESS_KEY_ID and "
                    "AWS_SECRET_ACCESS_KEY, or configure a profile in {} (tried: {}{})",
                    creds_file->shown, tried_list,
                    flags.profile && env_set("AWS_ACCESS_KEY_ID")
                        ? "; the environment's keys are not used with --profile"
                        : ""));
  }
  if (auto r = check_credentials(found->creds, found->source); !r) return r.error();
  cfg.credentials = std::move(found->creds);
  cfg.credentials_source = std::move(found->source);
  cfg.credentials_expire_at = found->expires_at;

  // The first setting given, and its name for --debug.
  using Setting = std::pair<std::string, std::optional<std::string>>;
  auto first_of = [](std::initializer_list<Setting> options) -> Setting {
    for (const auto& [source, value] : options) {
      if (value && !value->empty()) return {source, value};
    }
    return {};
  };
  const std::string in_profile = fmt::format("profile {}", cfg.profile);

  auto region = first_of({{"--region", flags.region},
                          {"AWS_REGION", env_set("AWS_REGION")},
                          {"AWS_DEFAULT_REGION", env_set("AWS_DEFAULT_REGION")},
                          {in_profile, get(&settings, "region")},
                          {"default", "us-east-1"}});
  cfg.region = std::move(*region.second);
  cfg.region_source = std::move(region.first);
  if (auto r = check_region(cfg.region); !r) return r.error();

  // "services = name" points at a [services name] section of ~/.aws/config
  // holding per-service settings (the AWS CLI's service-specific endpoints).
  const auto services = get(&settings, "services");
  const Section* services_settings = nullptr;
  std::optional<Error> services_twice;  // said only where the section is looked at (below)
  if (services && config_file->ini) {
    auto section = services_section(*config_file->ini, *services, config_file->shown);
    if (section) {
      services_settings = *section;
    } else {
      services_twice = section.error();
    }
  }
  const std::optional<std::string> services_endpoint = get(services_settings, "s3.endpoint_url");
  // As botocore: AWS_IGNORE_CONFIGURED_ENDPOINT_URLS, or else the profile's
  // ignore_configured_endpoint_urls, set to "true" (any case; anything else
  // is false) leaves only --endpoint-url. The variable, once set, decides
  // alone: "false" there outranks "true" in the profile.
  Setting ignore_setting{"AWS_IGNORE_CONFIGURED_ENDPOINT_URLS",
                         env("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS")};
  if (!ignore_setting.second) {
    ignore_setting = {in_profile + " ignore_configured_endpoint_urls",
                      get(&settings, "ignore_configured_endpoint_urls")};
  }
  const bool ignore_configured = ignore_setting.second && lower(*ignore_setting.second) == "true";
  auto endpoint =
      ignore_configured
          ? first_of({{"--endpoint-url", flags.endpoint_url}})
          : first_of({{"--endpoint-url", flags.endpoint_url},
                      {"AWS_ENDPOINT_URL_S3", env_set("AWS_ENDPOINT_URL_S3")},
                      {"AWS_ENDPOINT_URL", env_set("AWS_ENDPOINT_URL")},
                      {in_profile + " s3.endpoint_url", get(&settings, "s3.endpoint_url")},
                      {fmt::format("[services {}]", services.value_or("")), services_endpoint},
                      {in_profile + " endpoint_url", get(&settings, "endpoint_url")}});
  // A services name whose section is missing or empty is refused, as
  // botocore refuses it when it comes to look there (no endpoint given
  // before it, configured endpoints not ignored): the requests would
  // silently go to AWS.
  const bool services_looked_at = !ignore_configured && !flags.endpoint_url &&
                                  !env_set("AWS_ENDPOINT_URL_S3") && !env_set("AWS_ENDPOINT_URL") &&
                                  !get(&settings, "s3.endpoint_url");
  if (services_twice && services_looked_at) return *services_twice;
  if (services && services_looked_at &&
      (services_settings == nullptr || services_settings->empty())) {
    return make_error(ErrorKind::config,
                      fmt::format("profile {} says services = {}, but {} has no [services {}] "
                                  "section{}: add it, or fix the name",
                                  cfg.profile, *services, config_file->shown, *services,
                                  services_settings ? " with settings in it" : ""));
  }
  // The file a profile setting came from: its credentials section
  // outranks its config section (above), a [services ...] section is in the
  // config file.
  const auto in_its_file = [&](const std::string& source) {
    if (source.starts_with("[services")) return source + " in " + config_file->shown;
    if (!source.starts_with(in_profile + " ")) return source;
    const std::string key = source.substr(in_profile.size() + 1);
    const bool from_creds = creds_section != nullptr && creds_section->count(key) > 0;
    return source + " in " + (from_creds ? creds_file->shown : config_file->shown);
  };
  cfg.endpoint_url = endpoint.second.value_or("");
  cfg.endpoint_source = endpoint.second ? in_its_file(endpoint.first) : "AWS's for the region";
  // AWS's FIPS and dual-stack endpoints are other hosts; s3loop does not
  // build them, and a user who must use them is not to get the plain ones
  // unawares. (An endpoint given outright needs neither.)
  if (!endpoint.second) {
    // Each as botocore ranks it (the s3 block's dual-stack setting first).
    const std::pair<const char*, Setting> asked[] = {
        {"FIPS",
         first_of({{"AWS_USE_FIPS_ENDPOINT", env_set("AWS_USE_FIPS_ENDPOINT")},
                   {in_profile + " use_fips_endpoint", get(&settings, "use_fips_endpoint")}})},
        {"dual-stack",
         first_of({{in_profile + " s3.use_dualstack_endpoint",
                    get(&settings, "s3.use_dualstack_endpoint")},
                   {"AWS_USE_DUALSTACK_ENDPOINT", env_set("AWS_USE_DUALSTACK_ENDPOINT")},
                   {in_profile + " use_dualstack_endpoint",
                    get(&settings, "use_dualstack_endpoint")}})}};
    for (const auto& [kind, setting] : asked) {
      if (setting.second && lower(trim(*setting.second)) == "true") {
        return make_error(ErrorKind::config,
                          fmt::format("{} asks for AWS's {} endpoints, which s3loop does not "
                                      "build: pass --endpoint-url with the endpoint to use",
                                      setting.first, kind));
      }
    }
  }
  // S3 Transfer Acceleration is another host too; with an endpoint of the
  // user's own the AWS CLI refuses the pair ("A custom endpoint cannot be
  // combined with S3 Accelerate").
  if (const Setting accelerate = first_of({{in_profile + " s3.use_accelerate_endpoint",
                                            get(&settings, "s3.use_accelerate_endpoint")}});
      accelerate.second && lower(trim(*accelerate.second)) == "true") {
    if (!endpoint.second) {
      return make_error(ErrorKind::config,
                        fmt::format("{} asks for AWS's S3 Transfer Acceleration endpoint, which "
                                    "s3loop does not build: pass --endpoint-url with the "
                                    "endpoint to use",
                                    accelerate.first));
    }
    return make_error(ErrorKind::config,
                      fmt::format("{} asks for S3 Transfer Acceleration, which cannot be combined "
                                  "with the endpoint given ({}): drop one of them",
                                  accelerate.first, cfg.endpoint_source));
  }
  if (ignore_configured) {
    cfg.endpoint_source += fmt::format("; configured endpoints ignored ({})", ignore_setting.first);
  }

  // REQUESTS_CA_BUNDLE last, where botocore's endpoint creator reads it
  // (_get_verify_value) when none of the others is set. (Empty, botocore
  // would verify nothing at all; here it is unset, as for the others.)
  const Setting ca_bundle = first_of({{"--ca-bundle", flags.ca_bundle},
                                      {"AWS_CA_BUNDLE", env_set("AWS_CA_BUNDLE")},
                                      {in_profile + " ca_bundle", get(&settings, "ca_bundle")},
                                      {"REQUESTS_CA_BUNDLE", env_set("REQUESTS_CA_BUNDLE")}});
  cfg.ca_bundle = ca_bundle.second.value_or("");
  if (ca_bundle.second) cfg.ca_bundle_source = in_its_file(ca_bundle.first);
  // As the AWS CLI does, whichever set it (urllib3 expands the user of any
  // ca_certs); a shell expands it only unquoted. (Not "~user/": no passwd
  // lookup here.)
  if (const auto home = env_set("HOME");
      home && (cfg.ca_bundle == "~" || cfg.ca_bundle.starts_with("~/"))) {
    cfg.ca_bundle = *home + cfg.ca_bundle.substr(1);
  }

  if (auto proxy = net::read_proxy_variable("https_proxy", "HTTPS_PROXY", env)) {
    cfg.https_proxy = std::move(proxy->value);
    cfg.https_proxy_source = std::move(proxy->name);
  }
  // Run as a CGI program (REQUEST_METHOD set), HTTP_PROXY may be a web
  // client's "Proxy:" header (httpoxy, CVE-2016-1000110): urllib then reads
  // only http_proxy, and so does s3loop.
  const bool cgi = env("REQUEST_METHOD").has_value();
  const auto http_proxy_env = [&](std::string_view name) -> std::optional<std::string> {
    if (cgi && name == "HTTP_PROXY") return std::nullopt;
    return env(name);
  };
  if (auto proxy = net::read_proxy_variable("http_proxy", "HTTP_PROXY", http_proxy_env)) {
    cfg.http_proxy = std::move(proxy->value);
    cfg.http_proxy_source = std::move(proxy->name);
  }
  if (auto hosts = net::read_proxy_variable("no_proxy", "NO_PROXY", env)) {
    cfg.no_proxy = std::move(hosts->value);
  }

  if (flags.addressing_style) {
    cfg.addressing_style = *flags.addressing_style;
  } else if (auto style = get(&settings, "s3.addressing_style")) {
    auto parsed = parse_addressing_style(*style, cfg.profile);
    if (!parsed) return parsed.error();
    cfg.addressing_style = *parsed;
  }
  return cfg;
}

namespace {

// Where ~ is without HOME (a service started with no environment): the
// user's entry in the password database, as Python's expanduser and so the
// AWS CLI find it.
std::optional<std::string> home_of_this_user() {
  std::array<char, 4096> buffer{};
  passwd entry{};
  passwd* found = nullptr;
  if (getpwuid_r(getuid(), &entry, buffer.data(), buffer.size(), &found) != 0 || found == nullptr ||
      found->pw_dir == nullptr || found->pw_dir[0] == '\0') {
    return std::nullopt;
  }
  return std::string(found->pw_dir);
}

// /dev/null, the usual way to say "no such file" (AWS_CONFIG_FILE=/dev/null),
// under any name that leads to it.
bool is_dev_null(const std::string& path) {
  struct stat file {};
  struct stat null {};
  return ::stat(path.c_str(), &file) == 0 && S_ISCHR(file.st_mode) &&
         ::stat("/dev/null", &null) == 0 && file.st_rdev == null.st_rdev;
}

}  // namespace

EnvLookup process_env() {
  return [](std::string_view name) -> std::optional<std::string> {
    const char* v = std::getenv(std::string(name).c_str());
    if (v == nullptr && name == "HOME") return home_of_this_user();
    if (v == nullptr) return std::nullopt;
    return std::string(v);
  };
}

FileReader filesystem_reader() {
  return [](const std::string& path) -> Result<std::optional<std::string>> {
    // Only a missing file is "not configured". One that is there but cannot
    // be read must not be skipped: its profile may hold the endpoint, and
    // without it requests would go to AWS. A FIFO or /dev/zero would block
    // or never end: regular files only, and small ones.
    constexpr std::uintmax_t kMaxSize = 16 * 1024 * 1024;
    std::error_code ec;
    const auto status = std::filesystem::status(path, ec);
    if (status.type() == std::filesystem::file_type::not_found) return std::nullopt;
    if (ec) return make_error(ErrorKind::config, ec.message());
    if (status.type() == std::filesystem::file_type::character && is_dev_null(path)) {
      return std::optional<std::string>("");
    }
    if (status.type() == std::filesystem::file_type::directory) {
      return make_error(ErrorKind::config, "it is a directory");
    }
    if (status.type() != std::filesystem::file_type::regular) {
      return make_error(ErrorKind::config, "not a regular file");
    }
    if (std::filesystem::file_size(path, ec) > kMaxSize || ec) {
      return make_error(ErrorKind::config, "larger than 16 MiB");
    }
    std::ifstream in(path, std::ios::binary);
    if (!in) {
      return make_error(ErrorKind::config, std::generic_category().message(errno));
    }
    std::ostringstream content;
    content << in.rdbuf();
    if (in.bad()) return make_error(ErrorKind::config, "read error");
    return std::optional<std::string>(content.str());
  };
}

}  // namespace s3loop::s3
