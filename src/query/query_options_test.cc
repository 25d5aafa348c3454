#include "query/query_options.h"

#include <gtest/gtest.h>

namespace strata::query {
namespace {

TEST(QueryOptionsTest, TranslatesEveryOption) {
  QueryOptions o;
  o.table = "trades";
  o.symbols = {"AAPL", "MSFT"};
  o.from = "2026-03-02T14:00";
  o.to = "2026-03-02T15:00";
  o.columns = "ts,,price";
  o.limit = 10;
  o.where = "size > 5";
  o.tiers = "warm,hot,warm";
  o.threads = 2;
  o.merge = true;
  auto p = PlanFromOptions(o);
  ASSERT_TRUE(p.ok()) << p.status().ToString();
  EXPECT_EQ(p->symbols.size(), 2u);
  EXPECT_LT(p->from_ts, p->to_ts);
  EXPECT_EQ(p->columns, (std::vector<std::string>{"ts", "price"}));
  EXPECT_EQ(p->tiers, (std::vector<std::string>{"warm", "hot"}));
  EXPECT_EQ(*p->limit, 10u);
  EXPECT_TRUE(p->merge);
  EXPECT_EQ(p->decode_threads, 2);
  o.bars = "5m";
  p = PlanFromOptions(o);
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->bar_interval_ns, 300'000'000'000);
  o.bars = "";
  o.asof = "quotes";
  o.tolerance = "1s";
  o.direction = "next";
  p = PlanFromOptions(o);
  ASSERT_TRUE(p.ok()) << p.status().ToString();
  EXPECT_EQ(p->asof->table, "quotes");
  EXPECT_EQ(*p->asof->tolerance_ns, 1'000'000'000);
  EXPECT_EQ(p->asof->direction, AsofDirection::kNext);
}

TEST(QueryOptionsTest, ErrorsNameTheOptionWithTheCallersPrefix) {
  struct Case {
    void (*set)(QueryOptions*);
    const char* cli;
    const char* http;
  } cases[] = {
      {[](QueryOptions* o) { o->from = "nope"; }, "--from: ", "from: "},
      {[](QueryOptions* o) { o->tiers = "lukewarm"; }, "--tiers: unknown tier", "tiers: unknown tier"},
      {[](QueryOptions* o) { o->tolerance = "1s"; }, "--tolerance needs --asof", "tolerance needs asof"},
      {[](QueryOptions* o) { o->limit = -1; }, "--limit must be 0 or more", "limit must be 0 or more"},
      {[](QueryOptions* o) {
         o->bars = "1m";
         o->asof = "quotes";
       },
       "--bars and --asof cannot", "bars and asof cannot"},
      {[](QueryOptions* o) {
         o->from = "2026-03-03";
         o->to = "2026-03-02";
       },
       "--from 2026-03-03", "from 2026-03-03"},
  };
  for (const Case& c : cases) {
    QueryOptions o;
    o.table = "trades";
    c.set(&o);
    auto cli = PlanFromOptions(o, "--");
    ASSERT_FALSE(cli.ok());
    EXPECT_NE(cli.status().message().find(c.cli), std::string::npos) << cli.status().message();
    auto http = PlanFromOptions(o, "");
    ASSERT_FALSE(http.ok());
    EXPECT_NE(http.status().message().find(c.http), std::string::npos) << http.status().message();
    EXPECT_EQ(http.status().message().find("--"), std::string::npos) << http.status().message();
  }
}

}  // namespace
}  // namespace strata::query
