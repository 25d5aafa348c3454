// The server side of bench/pgwire_bench.sh: a database of generated trades (created on first
// use) served by the PostgreSQL wire protocol listener on loopback until stdin closes.
//
//   pgwire_bench ROOT PORT ROWS     prints "ready" once it accepts connections
#include <cstdio>
#include <iostream>
#include <string>

#include "pgwire/server.h"
#include "strata/database.h"
#include "testutil/testutil.h"

int main(int argc, char** argv) {
  using namespace strata;
  if (argc != 4) {
    std::fprintf(stderr, "usage: pgwire_bench ROOT PORT ROWS\n");
    return 2;
  }
  const std::string root = argv[1];
  const int port = std::stoi(argv[2]);
  const size_t rows = std::stoull(argv[3]);
  Options o;
  o.background_flush = false;
  if (Database::Init(root, {.fsync = "none"}).ok()) {
    auto db = Database::Open(root, o);
    if (!db.ok()) return std::fprintf(stderr, "%s\n", db.status().ToString().c_str()), 1;
    Status st = (*db)->CreateTable({"trades", *Schema::Template("trades"), std::nullopt, "{}"});
    const int64_t t0 = 1772460000000000000;
    for (size_t done = 0; st.ok() && done < rows; done += 100000) {
      const size_t n = std::min<size_t>(100000, rows - done);
      st = (*db)->Append("trades",
                         strata::testing::MakeTrades(n, 10, t0 + static_cast<int64_t>(done) * 1000000, done + 1));
    }
    if (st.ok()) st = (*db)->Flush().status();
    if (!st.ok()) return std::fprintf(stderr, "%s\n", st.ToString().c_str()), 1;
  }
  auto db = Database::Open(root, o);
  if (!db.ok()) return std::fprintf(stderr, "%s\n", db.status().ToString().c_str()), 1;
  pgwire::ServerOptions so;
  so.port = static_cast<uint16_t>(port);
  pgwire::Server server(db->get(), so);
  if (Status st = server.Start(); !st.ok()) return std::fprintf(stderr, "%s\n", st.ToString().c_str()), 1;
  std::printf("ready\n");
  std::fflush(stdout);
  std::string line;
  while (std::getline(std::cin, line)) {
  }
  server.Stop();
  return 0;
}
