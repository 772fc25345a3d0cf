// Fuzzes `scalelab fit`'s table reader: the CSV parser (fit/csv_table.h) and the step from a table
// to scaling points (fit/scaling_points.h), with the default columns of export's summary.csv and
// with compute in place of tokens.
#include "fit/scaling_points.h"
#include "fuzz_util.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace sl;
  const std::string text(reinterpret_cast<const char*>(data), size);
  auto table = parse_csv_table(text, "fuzz/summary.csv");
  if (!table.ok()) {
    fuzz::require_clear_error(table.status(), "fuzz/summary.csv");
    return 0;
  }
  for (size_t r = 0; r < table->rows.size(); ++r) {
    if (table->rows[r].size() != table->header.size()) std::abort();
    for (size_t c = 0; c < table->header.size(); ++c)
      (void)table->numeric_cell(r, static_cast<int>(c));
  }
  FitColumns by_compute;
  by_compute.c_col = "flops";
  for (const FitColumns& cols : {FitColumns{}, by_compute}) {
    auto points = scaling_data_from_table(*table, cols, {});
    if (!points.ok()) fuzz::require_clear_error(points.status(), "fuzz/summary.csv");
  }
  return 0;
}
