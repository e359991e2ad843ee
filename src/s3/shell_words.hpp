// Splitting a line into words as botocore does, with Python's shlex.split:
// section headers of ~/.aws/config ("[profile 'my prof']") and the command
// of credential_process. Pure.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace s3loop::s3 {

// Blanks (space, tab, CR, LF) separate words; quotes group them ('my prof')
// and go; inside single quotes every character stands for itself, inside
// double quotes a backslash escapes only \ and "; outside quotes it escapes
// any character. An empty pair of quotes is an empty word. nullopt when a
// quote is left open or a backslash ends the text (shlex raises).
std::optional<std::vector<std::string>> split_shell_words(std::string_view text);

}  // namespace s3loop::s3
