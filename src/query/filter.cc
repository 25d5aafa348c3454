#include "query/filter.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <cstdlib>

#include "strata/timestamp.h"

namespace strata::query {

// ---------------------------------------------------------------------------------------------
// Parsing

enum class CmpOp { kEq, kNe, kLt, kLe, kGt, kGe };

namespace {
const char* OpText(CmpOp op) {
  switch (op) {
    case CmpOp::kEq: return "=";
    case CmpOp::kNe: return "!=";
    case CmpOp::kLt: return "<";
    case CmpOp::kLe: return "<=";
    case CmpOp::kGt: return ">";
    case CmpOp::kGe: return ">=";
  }
  return "?";
}
CmpOp Negate(CmpOp op) {
  switch (op) {
    case CmpOp::kEq: return CmpOp::kNe;
    case CmpOp::kNe: return CmpOp::kEq;
    case CmpOp::kLt: return CmpOp::kGe;
    case CmpOp::kLe: return CmpOp::kGt;
    case CmpOp::kGt: return CmpOp::kLe;
    case CmpOp::kGe: return CmpOp::kLt;
  }
  return op;
}
}  // namespace

struct Literal {
  enum Kind { kNumber, kString, kBool, kWord } kind;
  std::string text;  // number/word text, or the unquoted string
  size_t pos;
};

struct FilterNode {
  enum Kind { kAnd, kOr, kNot, kCmp, kIn } kind;
  std::vector<std::unique_ptr<FilterNode>> children;
  std::string column;
  size_t column_pos = 0;
  CmpOp op = CmpOp::kEq;
  bool negated_in = false;
  std::vector<Literal> literals;
};

namespace {

struct Token {
  enum Kind { kEnd, kIdent, kNumber, kString, kWord, kOp, kLParen, kRParen, kComma } kind;
  std::string text;
  size_t pos;
};

Status SyntaxError(std::string_view text, size_t pos, const std::string& what) {
  return Status::InvalidArgument("--where: " + what + " at position " + std::to_string(pos) + " in \"" +
                                 std::string(text) + "\"");
}

bool IsBareChar(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == ':' || c == '-' || c == '+' || c == '_';
}

Result<std::vector<Token>> Tokenize(std::string_view s) {
  std::vector<Token> out;
  size_t i = 0;
  while (true) {
    while (i < s.size() && std::isspace(static_cast<unsigned char>(s[i]))) ++i;
    if (i >= s.size()) break;
    const size_t start = i;
    const char c = s[i];
    if (std::isalpha(static_cast<unsigned char>(c)) || c == '_') {
      while (i < s.size() && (std::isalnum(static_cast<unsigned char>(s[i])) || s[i] == '_')) ++i;
      out.push_back({Token::kIdent, std::string(s.substr(start, i - start)), start});
    } else if (std::isdigit(static_cast<unsigned char>(c)) ||
               ((c == '-' || c == '+' || c == '.') && i + 1 < s.size() &&
                (std::isdigit(static_cast<unsigned char>(s[i + 1])) || s[i + 1] == '.'))) {
      ++i;
      while (i < s.size() && IsBareChar(s[i])) {
        // A sign continues the token only after an exponent marker or inside a time ("...T14:00-05:00").
        ++i;
      }
      std::string t(s.substr(start, i - start));
      double d;
      auto [p, ec] = std::from_chars(t.data(), t.data() + t.size(), d);
      bool number = ec == std::errc() && p == t.data() + t.size();
      if (!number && t[0] == '+') {
        auto [p2, ec2] = std::from_chars(t.data() + 1, t.data() + t.size(), d);
        number = ec2 == std::errc() && p2 == t.data() + t.size();
      }
      out.push_back({number ? Token::kNumber : Token::kWord, t, start});
    } else if (c == '\'' || c == '"') {
      std::string v;
      ++i;
      bool closed = false;
      while (i < s.size()) {
        if (s[i] == c) {
          if (i + 1 < s.size() && s[i + 1] == c) {
            v.push_back(c);
            i += 2;
            continue;
          }
          ++i;
          closed = true;
          break;
        }
        v.push_back(s[i++]);
      }
      if (!closed) return SyntaxError(s, start, "unterminated string");
      out.push_back({Token::kString, v, start});
    } else if (c == '(') {
      out.push_back({Token::kLParen, "(", i++});
    } else if (c == ')') {
      out.push_back({Token::kRParen, ")", i++});
    } else if (c == ',') {
      out.push_back({Token::kComma, ",", i++});
    } else if (c == '=' || c == '!' || c == '<' || c == '>') {
      std::string op(1, c);
      ++i;
      if (i < s.size() && (s[i] == '=' || (c == '<' && s[i] == '>'))) op.push_back(s[i++]);
      if (op == "!") return SyntaxError(s, start, "'!' must be followed by '='");
      out.push_back({Token::kOp, op, start});
    } else {
      return SyntaxError(s, start, std::string("unexpected character '") + c + "'");
    }
  }
  out.push_back({Token::kEnd, "", s.size()});
  return out;
}

bool IsKeyword(const Token& t, std::string_view kw) {
  if (t.kind != Token::kIdent || t.text.size() != kw.size()) return false;
  for (size_t i = 0; i < kw.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(t.text[i])) != kw[i]) return false;
  }
  return true;
}

std::string Describe(const Token& t) {
  switch (t.kind) {
    case Token::kEnd: return "end of input";
    case Token::kString: return "string '" + t.text + "'";
    default: return "'" + t.text + "'";
  }
}

class Parser {
 public:
  Parser(std::string_view text, std::vector<Token> tokens) : text_(text), t_(std::move(tokens)) {}

  Result<std::unique_ptr<FilterNode>> ParseAll() {
    if (t_[0].kind == Token::kEnd) return SyntaxError(text_, 0, "empty expression");
    ASSIGN_OR_RETURN(auto root, ParseOr());
    if (Peek().kind != Token::kEnd) {
      return SyntaxError(text_, Peek().pos, "expected 'and', 'or' or the end, got " + Describe(Peek()));
    }
    return root;
  }

 private:
  const Token& Peek() const { return t_[i_]; }
  const Token& Take() { return t_[i_ < t_.size() - 1 ? i_++ : i_]; }

  Result<std::unique_ptr<FilterNode>> ParseOr() {
    ASSIGN_OR_RETURN(auto left, ParseAnd());
    if (!IsKeyword(Peek(), "or")) return left;
    auto node = std::make_unique<FilterNode>();
    node->kind = FilterNode::kOr;
    node->children.push_back(std::move(left));
    while (IsKeyword(Peek(), "or")) {
      Take();
      ASSIGN_OR_RETURN(auto right, ParseAnd());
      node->children.push_back(std::move(right));
    }
    return node;
  }

  Result<std::unique_ptr<FilterNode>> ParseAnd() {
    ASSIGN_OR_RETURN(auto left, ParseNot());
    if (!IsKeyword(Peek(), "and")) return left;
    auto node = std::make_unique<FilterNode>();
    node->kind = FilterNode::kAnd;
    node->children.push_back(std::move(left));
    while (IsKeyword(Peek(), "and")) {
      Take();
      ASSIGN_OR_RETURN(auto right, ParseNot());
      node->children.push_back(std::move(right));
    }
    return node;
  }

  Result<std::unique_ptr<FilterNode>> ParseNot() {
    if (IsKeyword(Peek(), "not")) {
      Take();
      ASSIGN_OR_RETURN(auto child, ParseNot());
      auto node = std::make_unique<FilterNode>();
      node->kind = FilterNode::kNot;
      node->children.push_back(std::move(child));
      return node;
    }
    if (Peek().kind == Token::kLParen) {
      const size_t open = Peek().pos;
      Take();
      ASSIGN_OR_RETURN(auto inner, ParseOr());
      if (Peek().kind != Token::kRParen) {
        return SyntaxError(
            text_, Peek().pos,
            "expected ')' to close '(' at position " + std::to_string(open) + ", got " + Describe(Peek()));
      }
      Take();
      return inner;
    }
    return ParsePredicate();
  }

  Result<std::unique_ptr<FilterNode>> ParsePredicate() {
    const Token& col = Peek();
    if (col.kind != Token::kIdent || IsKeyword(col, "and") || IsKeyword(col, "or") || IsKeyword(col, "in")) {
      return SyntaxError(text_, col.pos, "expected a column name, got " + Describe(col));
    }
    Take();
    auto node = std::make_unique<FilterNode>();
    node->column = col.text;
    node->column_pos = col.pos;
    bool negated = false;
    if (IsKeyword(Peek(), "not")) {
      Take();
      negated = true;
      if (!IsKeyword(Peek(), "in"))
        return SyntaxError(text_, Peek().pos, "expected 'in' after 'not', got " + Describe(Peek()));
    }
    if (IsKeyword(Peek(), "in")) {
      Take();
      node->kind = FilterNode::kIn;
      node->negated_in = negated;
      if (Peek().kind != Token::kLParen) {
        return SyntaxError(text_, Peek().pos, "expected '(' after 'in', got " + Describe(Peek()));
      }
      Take();
      while (true) {
        ASSIGN_OR_RETURN(Literal lit, ParseLiteral("in (...)"));
        node->literals.push_back(std::move(lit));
        if (Peek().kind == Token::kComma) {
          Take();
          continue;
        }
        if (Peek().kind == Token::kRParen) {
          Take();
          break;
        }
        return SyntaxError(text_, Peek().pos, "expected ',' or ')' in the 'in' list, got " + Describe(Peek()));
      }
      return node;
    }
    const Token& op = Peek();
    if (op.kind != Token::kOp) {
      return SyntaxError(
          text_, op.pos,
          "expected a comparison (= != < <= > >=) or 'in' after column '" + col.text + "', got " + Describe(op));
    }
    Take();
    node->kind = FilterNode::kCmp;
    if (op.text == "=" || op.text == "==")
      node->op = CmpOp::kEq;
    else if (op.text == "!=" || op.text == "<>")
      node->op = CmpOp::kNe;
    else if (op.text == "<")
      node->op = CmpOp::kLt;
    else if (op.text == "<=")
      node->op = CmpOp::kLe;
    else if (op.text == ">")
      node->op = CmpOp::kGt;
    else
      node->op = CmpOp::kGe;
    ASSIGN_OR_RETURN(Literal lit, ParseLiteral("'" + op.text + "'"));
    node->literals.push_back(std::move(lit));
    return node;
  }

  Result<Literal> ParseLiteral(const std::string& after) {
    const Token& t = Peek();
    switch (t.kind) {
      case Token::kNumber: Take(); return Literal{Literal::kNumber, t.text, t.pos};
      case Token::kString: Take(); return Literal{Literal::kString, t.text, t.pos};
      case Token::kWord: Take(); return Literal{Literal::kWord, t.text, t.pos};
      case Token::kIdent:
        if (IsKeyword(t, "true") || IsKeyword(t, "false")) {
          Take();
          return Literal{Literal::kBool, IsKeyword(t, "true") ? "true" : "false", t.pos};
        }
        return SyntaxError(text_, t.pos,
                           "expected a value after " + after + ", got the name '" + t.text + "' (quote text values: '" +
                               t.text + "')");
      default: return SyntaxError(text_, t.pos, "expected a value after " + after + ", got " + Describe(t));
    }
  }

  std::string_view text_;
  std::vector<Token> t_;
  size_t i_ = 0;
};

void CollectColumns(const FilterNode& n, std::vector<std::string>* out) {
  if (n.kind == FilterNode::kCmp || n.kind == FilterNode::kIn) {
    if (std::find(out->begin(), out->end(), n.column) == out->end()) out->push_back(n.column);
  }
  for (const auto& c : n.children) CollectColumns(*c, out);
}

}  // namespace

FilterExpr::~FilterExpr() = default;
FilterExpr::FilterExpr(FilterExpr&&) noexcept = default;
FilterExpr& FilterExpr::operator=(FilterExpr&&) noexcept = default;

Result<FilterExpr> FilterExpr::Parse(std::string_view text) {
  ASSIGN_OR_RETURN(std::vector<Token> tokens, Tokenize(text));
  Parser p(text, std::move(tokens));
  FilterExpr e;
  e.text_ = std::string(text);
  ASSIGN_OR_RETURN(e.root_, p.ParseAll());
  return e;
}

std::vector<std::string> FilterExpr::Columns() const {
  std::vector<std::string> out;
  if (root_) CollectColumns(*root_, &out);
  return out;
}

// ---------------------------------------------------------------------------------------------
// Binding and evaluation

// A bound node: and/or over children, or a leaf on one column (with `not` already applied).
struct Filter::Node {
  enum Kind { kAnd, kOr, kCmp, kIn } kind;
  std::vector<std::unique_ptr<Node>> children;
  int column = -1;
  std::string column_name;
  ColumnType type = ColumnType::kInt64;
  CmpOp op = CmpOp::kEq;
  bool negated = false;    // kIn: "not in"
  bool as_double = false;  // integer column against a fractional literal
  std::vector<int64_t> ints;
  std::vector<double> doubles;
  std::vector<std::string> strings;
  std::vector<std::string> literal_text;
};

namespace {

Status TypeError(const std::string& text, const Field& f, const Literal& lit, const std::string& why) {
  return Status::InvalidArgument("--where: column '" + f.name + "' is " + std::string(ColumnTypeName(f.type)) +
                                 " but the value " + (lit.kind == Literal::kString ? "'" + lit.text + "'" : lit.text) +
                                 " at position " + std::to_string(lit.pos) + " " + why + " in \"" + text + "\"");
}

Status BindLiteral(const std::string& text, const Field& f, const Literal& lit, Filter::Node* n) {
  switch (f.type) {
    case ColumnType::kTimestamp: {
      if (lit.kind == Literal::kBool) return TypeError(text, f, lit, "is not a time");
      auto ts = ParseTimestamp(lit.text);
      if (!ts.ok()) return TypeError(text, f, lit, "is not a time (" + ts.status().message() + ")");
      n->ints.push_back(*ts);
      return Status::OK();
    }
    case ColumnType::kInt32:
    case ColumnType::kInt64:
    case ColumnType::kFloat32:
    case ColumnType::kFloat64: {
      if (lit.kind != Literal::kNumber) return TypeError(text, f, lit, "is not a number");
      double d = std::strtod(lit.text.c_str(), nullptr);
      n->doubles.push_back(d);
      int64_t v = 0;
      const char* b = lit.text.data() + (lit.text[0] == '+' ? 1 : 0);
      auto [p, ec] = std::from_chars(b, lit.text.data() + lit.text.size(), v);
      if (ec == std::errc() && p == lit.text.data() + lit.text.size()) {
        n->ints.push_back(v);
      } else {
        n->ints.push_back(0);
        if (!IsFloating(f.type)) n->as_double = true;
      }
      return Status::OK();
    }
    case ColumnType::kBool:
      if (lit.kind != Literal::kBool) return TypeError(text, f, lit, "is not true or false");
      n->ints.push_back(lit.text == "true" ? 1 : 0);
      return Status::OK();
    case ColumnType::kSymbol:
    case ColumnType::kString:
      if (lit.kind != Literal::kString) return TypeError(text, f, lit, "is not a quoted string");
      n->strings.push_back(lit.text);
      return Status::OK();
  }
  return Status::Internal("unknown column type");
}

Result<std::unique_ptr<Filter::Node>> BindNode(const std::string& text, const FilterNode& in,
                                               const std::vector<Field>& fields, bool negate) {
  auto n = std::make_unique<Filter::Node>();
  switch (in.kind) {
    case FilterNode::kNot: return BindNode(text, *in.children[0], fields, !negate);
    case FilterNode::kAnd:
    case FilterNode::kOr: {
      const bool is_and = (in.kind == FilterNode::kAnd) != negate;  // De Morgan
      n->kind = is_and ? Filter::Node::kAnd : Filter::Node::kOr;
      for (const auto& c : in.children) {
        ASSIGN_OR_RETURN(auto child, BindNode(text, *c, fields, negate));
        n->children.push_back(std::move(child));
      }
      return n;
    }
    case FilterNode::kCmp:
    case FilterNode::kIn: {
      int col = FindField(fields, in.column);
      if (col < 0) {
        std::string names;
        for (const Field& f : fields) names += (names.empty() ? "" : ", ") + f.name;
        return Status::InvalidArgument("--where: unknown column '" + in.column + "' at position " +
                                       std::to_string(in.column_pos) + " in \"" + text + "\" (columns: " + names + ")");
      }
      const Field& f = fields[col];
      n->column = col;
      n->column_name = f.name;
      n->type = f.type;
      if (in.kind == FilterNode::kCmp) {
        n->kind = Filter::Node::kCmp;
        n->op = negate ? Negate(in.op) : in.op;
        if ((f.type == ColumnType::kBool) && n->op != CmpOp::kEq && n->op != CmpOp::kNe) {
          return Status::InvalidArgument("--where: column '" + f.name +
                                         "' is bool and takes only = or != at position " +
                                         std::to_string(in.literals[0].pos) + " in \"" + text + "\"");
        }
      } else {
        n->kind = Filter::Node::kIn;
        n->negated = in.negated_in != negate;
      }
      for (const Literal& lit : in.literals) {
        RETURN_IF_ERROR(BindLiteral(text, f, lit, n.get()));
        n->literal_text.push_back(lit.kind == Literal::kString ? "'" + lit.text + "'" : lit.text);
      }
      // One fractional literal in an integer `in` list makes the whole list compare as doubles.
      return n;
    }
  }
  return Status::Internal("unknown filter node");
}

template <typename T, typename Cmp>
void CompareLoop(const T* v, size_t n, T lit, uint8_t* out, Cmp cmp) {
  for (size_t i = 0; i < n; ++i) out[i] = cmp(v[i], lit) ? 1 : 0;
}

template <typename T>
void CompareValues(const T* v, size_t n, T lit, CmpOp op, uint8_t* out) {
  switch (op) {
    case CmpOp::kEq: CompareLoop(v, n, lit, out, [](T a, T b) { return a == b; }); break;
    case CmpOp::kNe: CompareLoop(v, n, lit, out, [](T a, T b) { return a != b; }); break;
    case CmpOp::kLt: CompareLoop(v, n, lit, out, [](T a, T b) { return a < b; }); break;
    case CmpOp::kLe: CompareLoop(v, n, lit, out, [](T a, T b) { return a <= b; }); break;
    case CmpOp::kGt: CompareLoop(v, n, lit, out, [](T a, T b) { return a > b; }); break;
    case CmpOp::kGe: CompareLoop(v, n, lit, out, [](T a, T b) { return a >= b; }); break;
  }
}

bool CompareOne(int c, CmpOp op) {
  switch (op) {
    case CmpOp::kEq: return c == 0;
    case CmpOp::kNe: return c != 0;
    case CmpOp::kLt: return c < 0;
    case CmpOp::kLe: return c <= 0;
    case CmpOp::kGt: return c > 0;
    case CmpOp::kGe: return c >= 0;
  }
  return false;
}

// Values of an integer-like column as doubles (for fractional literals).
void ToDoubles(const Column& c, std::vector<double>* out) {
  out->resize(c.size());
  if (c.type() == ColumnType::kInt32) {
    for (size_t i = 0; i < c.size(); ++i) (*out)[i] = c.int32s()[i];
  } else {
    for (size_t i = 0; i < c.size(); ++i) (*out)[i] = static_cast<double>(c.int64s()[i]);
  }
}

void EvalLeaf(const Filter::Node& node, const RecordBatch& batch, uint8_t* out) {
  const Column& c = batch.column(node.column);
  const size_t n = c.size();
  std::vector<double> tmp;
  if (node.kind == Filter::Node::kCmp) {
    if (node.as_double) {
      ToDoubles(c, &tmp);
      CompareValues<double>(tmp.data(), n, node.doubles[0], node.op, out);
    } else {
      switch (c.type()) {
        case ColumnType::kTimestamp:
        case ColumnType::kInt64: CompareValues<int64_t>(c.int64s().data(), n, node.ints[0], node.op, out); break;
        case ColumnType::kInt32: {
          // Compare in 64 bits so literals outside the i32 range behave.
          const int32_t* v = c.int32s().data();
          for (size_t i = 0; i < n; ++i) {
            int64_t x = v[i];
            int cmp = x < node.ints[0] ? -1 : (x > node.ints[0] ? 1 : 0);
            out[i] = CompareOne(cmp, node.op);
          }
          break;
        }
        case ColumnType::kFloat32:
        case ColumnType::kFloat64: CompareValues<double>(c.doubles().data(), n, node.doubles[0], node.op, out); break;
        case ColumnType::kBool: {
          const uint8_t lit = static_cast<uint8_t>(node.ints[0]);
          CompareValues<uint8_t>(c.bools().data(), n, lit, node.op, out);
          break;
        }
        case ColumnType::kSymbol:
        case ColumnType::kString: {
          // Runs of equal symbols (one run per symbol in a grouped stream) reuse the last answer.
          const std::string_view lit = node.strings[0];
          const bool runs = c.type() == ColumnType::kSymbol;
          std::string_view prev;
          for (size_t i = 0; i < n; ++i) {
            std::string_view v = c.GetString(i);
            if (runs && i > 0 && v == prev) {
              out[i] = out[i - 1];
              continue;
            }
            out[i] = CompareOne(v.compare(lit), node.op);
            prev = v;
          }
          break;
        }
      }
    }
  } else {  // kIn
    const uint8_t hit = node.negated ? 0 : 1;
    const bool dbl = node.as_double || IsFloating(c.type());
    if (dbl && !IsFloating(c.type())) ToDoubles(c, &tmp);
    const double* dv = IsFloating(c.type()) ? c.doubles().data() : tmp.data();
    const bool runs = c.type() == ColumnType::kSymbol;  // one run per symbol in a grouped stream
    std::string_view prev;
    for (size_t i = 0; i < n; ++i) {
      bool found = false;
      if (IsStringLike(c.type())) {
        std::string_view v = c.GetString(i);
        if (runs && i > 0 && v == prev) {
          out[i] = out[i - 1];
          continue;
        }
        prev = v;
        for (const std::string& s : node.strings) found |= (v == s);
      } else if (dbl) {
        for (double d : node.doubles) found |= (dv[i] == d);
      } else {
        int64_t x = c.type() == ColumnType::kInt32  ? c.int32s()[i]
                    : c.type() == ColumnType::kBool ? c.bools()[i]
                                                    : c.int64s()[i];
        for (int64_t l : node.ints) found |= (x == l);
      }
      out[i] = found ? hit : static_cast<uint8_t>(1 - hit);
    }
  }
  // A comparison with null is unknown, which no row passes (`not` was pushed into the leaf).
  if (c.has_nulls()) {
    const uint8_t* valid = c.validity().data();
    for (size_t i = 0; i < n; ++i) out[i] &= valid[i];
  }
}

void Eval(const Filter::Node& node, const RecordBatch& batch, std::vector<uint8_t>* out) {
  const size_t n = batch.num_rows();
  out->resize(n);
  if (node.kind == Filter::Node::kCmp || node.kind == Filter::Node::kIn) {
    EvalLeaf(node, batch, out->data());
    return;
  }
  Eval(*node.children[0], batch, out);
  std::vector<uint8_t> tmp;
  uint8_t* o = out->data();
  for (size_t k = 1; k < node.children.size(); ++k) {
    Eval(*node.children[k], batch, &tmp);
    const uint8_t* t = tmp.data();
    if (node.kind == Filter::Node::kAnd) {
      for (size_t i = 0; i < n; ++i) o[i] &= t[i];
    } else {
      for (size_t i = 0; i < n; ++i) o[i] |= t[i];
    }
  }
}

std::string NodeToString(const Filter::Node& n) {
  if (n.kind == Filter::Node::kAnd || n.kind == Filter::Node::kOr) {
    std::string s = "(";
    for (size_t i = 0; i < n.children.size(); ++i) {
      if (i) s += n.kind == Filter::Node::kAnd ? " and " : " or ";
      s += NodeToString(*n.children[i]);
    }
    return s + ")";
  }
  if (n.kind == Filter::Node::kCmp) return n.column_name + " " + OpText(n.op) + " " + n.literal_text[0];
  std::string s = n.column_name + (n.negated ? " not in (" : " in (");
  for (size_t i = 0; i < n.literal_text.size(); ++i) s += (i ? ", " : "") + n.literal_text[i];
  return s + ")";
}

class FilterStream final : public BatchStream {
 public:
  FilterStream(std::unique_ptr<BatchStream> input, std::shared_ptr<const Filter> filter)
      : input_(std::move(input)), filter_(std::move(filter)) {}
  const std::vector<Field>& fields() const override { return input_->fields(); }
  Result<bool> Next(RecordBatch* out) override {
    while (true) {
      ASSIGN_OR_RETURN(bool got, input_->Next(&in_));
      if (!got) return false;
      filter_->Select(in_, &sel_);
      if (sel_.empty()) continue;
      if (sel_.size() == in_.num_rows()) {
        *out = std::move(in_);
      } else {
        *out = in_.Take(sel_);
      }
      return true;
    }
  }

 private:
  std::unique_ptr<BatchStream> input_;
  std::shared_ptr<const Filter> filter_;
  RecordBatch in_;
  std::vector<uint32_t> sel_;
};

}  // namespace

Filter::~Filter() = default;

Result<std::shared_ptr<const Filter>> Filter::Bind(const FilterExpr& expr, const std::vector<Field>& fields) {
  std::shared_ptr<Filter> f(new Filter());
  ASSIGN_OR_RETURN(f->root_, BindNode(expr.text(), *expr.root_, fields, false));
  f->fields_ = fields;
  return std::shared_ptr<const Filter>(std::move(f));
}

Result<std::shared_ptr<const Filter>> Filter::Compile(std::string_view text, const std::vector<Field>& fields) {
  ASSIGN_OR_RETURN(FilterExpr e, FilterExpr::Parse(text));
  return Bind(e, fields);
}

void Filter::Select(const RecordBatch& batch, std::vector<uint32_t>* selection) const {
  thread_local std::vector<uint8_t> mask;
  Eval(*root_, batch, &mask);
  selection->clear();
  const size_t n = batch.num_rows();
  size_t count = 0;
  for (size_t i = 0; i < n; ++i) count += mask[i];
  selection->reserve(count);
  for (size_t i = 0; i < n; ++i) {
    if (mask[i]) selection->push_back(static_cast<uint32_t>(i));
  }
}

std::string Filter::ToString() const { return NodeToString(*root_); }

std::unique_ptr<BatchStream> MakeFilterStream(std::unique_ptr<BatchStream> input,
                                              std::shared_ptr<const Filter> filter) {
  return std::make_unique<FilterStream>(std::move(input), std::move(filter));
}

}  // namespace strata::query
