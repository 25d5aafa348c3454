#include <gtest/gtest.h>

#include <set>
#include <string>
#include <vector>

#include "cli/cli.h"

namespace strata::cli {
namespace {

// The names and aliases of `app`'s top-level commands.
std::set<std::string> TopLevelNames(CLI::App& app) {
  std::set<std::string> names;
  for (const CLI::App* sub : app.get_subcommands({})) {
    names.insert(sub->get_name());
    for (const std::string& alias : sub->get_aliases()) names.insert(alias);
  }
  return names;
}

// RunCli registers only the group of the command given: a group that registers a command its
// list does not name would leave that command unknown when typed, and a name listed but not
// registered would fail to parse. Each group, alone, registers exactly its list.
TEST(CommandGroups, EachGroupRegistersExactlyTheCommandsItLists) {
  std::set<std::string> all;
  for (const CommandGroup& group : CommandGroups()) {
    CLI::App app;
    Context ctx;
    group.add(app, &ctx);
    const std::set<std::string> listed(group.commands.begin(), group.commands.end());
    EXPECT_EQ(TopLevelNames(app), listed) << "the group of " << group.commands.front();
    for (const std::string& name : listed) EXPECT_TRUE(all.insert(name).second) << name << " is in two groups";
  }
  EXPECT_GT(all.size(), 30u);
}

TEST(CommandGroups, TheCommandWordSkipsGlobalOptionsAndRootsValue) {
  auto word = [](std::vector<std::string> args) {
    std::vector<char*> argv;
    for (std::string& a : args) argv.push_back(a.data());
    return CommandWord(static_cast<int>(argv.size()), argv.data());
  };
  EXPECT_EQ(word({"strata", "table", "create", "t"}), "table");
  EXPECT_EQ(word({"strata", "--root", "ingest", "query", "x"}), "query");  // a root named "ingest"
  EXPECT_EQ(word({"strata", "--root=db", "--accept-wal-loss", "flush"}), "flush");
  EXPECT_EQ(word({"strata", "--help"}), "");
  EXPECT_EQ(word({"strata"}), "");
  EXPECT_EQ(word({"strata", "--root"}), "");
}

}  // namespace
}  // namespace strata::cli
