// Chinchilla approach 1 (Hoffmann et al. 2022, section 3.1): the lower envelope of loss against
// FLOPs over every run's curve. At `grid_points` log-spaced FLOP values across the curves' range,
// each run's loss is interpolated (linearly in log C, only inside the run's own range) and the
// lowest wins; the winning run's N is N_opt(C) and D_opt = C / (6 N_opt). N_opt = k C^a and D_opt =
// k C^b are then fitted over the envelope's points. The envelope is the frontier, non-increasing in C:
// a FLOP count whose best loss is above the best at a smaller count (a noisy eval, a curve that
// rises at the end of its schedule) is not on it and is dropped (`above_frontier` counts them), as
// Kaplan's L(C) frontier keeps only runs that beat every smaller C. Input: export's curves.csv (one row per logged
// point): rows without a loss (training-only steps) or with C = 0 (step 0) are skipped with a note.
#pragma once
#include <string>
#include <vector>

#include "fit/csv_table.h"
#include "fit/loglog_regression.h"
#include "fit/row_filter.h"

namespace sl {
struct CurveColumns {
  std::string run_col = "run_id";
  std::string n_col = "params_nonembedding";
  std::string c_col = "flops_6n";
  std::string loss_col = "val_loss";
};

struct RunCurve {
  std::string run_id;
  double n = 0;
  std::vector<double> c, loss;  // sorted by c
};

struct CurveData {
  std::string path;
  std::vector<RunCurve> runs;
  size_t rows_read = 0, points = 0;
  std::vector<std::string> notes;
};

absl::StatusOr<CurveData> curve_data_from_table(CsvTable table, const CurveColumns& cols,
                                                const std::vector<RowFilter>& filters);

struct EnvelopePoint {
  double flops = 0, loss = 0, n = 0, d = 0;
  std::string run_id;
};

struct EnvelopeFit {
  std::vector<EnvelopePoint> envelope;
  LogLogLine n_opt_line, d_opt_line;
  size_t distinct_sizes = 0;  // sizes that win somewhere on the envelope
  size_t above_frontier = 0;  // FLOP values dropped: their best loss was above a smaller C's
};

struct EnvelopeOptions {
  int grid_points = 200;
};

absl::StatusOr<EnvelopeFit> fit_envelope(const CurveData& data, const EnvelopeOptions& opt);
}  // namespace sl
