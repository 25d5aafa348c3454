#include <malloc.h>

#include "cli/cli.h"

int main(int argc, char** argv) {
  // Keep freed memory in the heap instead of handing big blocks back to the kernel: a query
  // decodes column chunks into fresh buffers again and again, and on the VMs we run on a page
  // fault of fresh memory costs more than the decoding (bench/lake_bench.sh: 1-minute bars 9x,
  // a month's sum 8x faster). A CLI process is short-lived, so holding its peak is harmless.
  mallopt(M_MMAP_THRESHOLD, 1 << 30);
  mallopt(M_TRIM_THRESHOLD, 1 << 30);
  return strata::cli::RunCli(argc, argv);
}
