// Collects SQL typed line by line (the interactive `strata sql`) into complete statements: a
// statement ends at a ';' outside 'strings', "quoted names", -- comments and /* nested */ comments,
// so a statement may span lines and a line may hold several.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace strata::sql {

class StatementBuffer {
 public:
  // Adds one line (without its line end). Returns the statements it completed, in order, each
  // without its ';' and trimmed of surrounding white space; empty statements (";;") are dropped.
  std::vector<std::string> AddLine(std::string_view line);
  // True when no statement is started (only white space and comments since the last ';').
  bool empty() const;
  // The started statement's text so far.
  const std::string& pending() const { return text_; }
  void Clear();

 private:
  std::string text_;  // everything after the last complete statement
};

}  // namespace strata::sql
