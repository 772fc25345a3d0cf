// `scalelab fit --plot DIR`: runs scripts/plot.py on the fit.json just written. The script is found
// at $SCALELAB_PLOT_SCRIPT, else next to the binary's source tree (<binary dir>/../scripts/plot.py,
// then <binary dir>/scripts/plot.py); the interpreter is $SCALELAB_PYTHON, else /usr/bin/python3
// (Debian's, which has matplotlib, numpy and pandas; a python3 earlier on PATH may not).
#pragma once
#include <string>
#include <vector>

#include "core/status.h"

namespace sl {
absl::StatusOr<std::string> find_plot_script();
// The sweep's name for plot titles, from a path inside it (export's directory, a summary.csv, or
// the sweep directory): plan.json's "name" when the sweep directory has one, else that directory's
// name ("" for a bare file in the current directory).
std::string sweep_title(const std::string& path);
// Runs the plot script with `args` (argv words, e.g. {"--fit", path, "--out", dir}); its output
// goes to OUT_DIR/plot.log and is printed on success ("wrote ...png" lines); a failure quotes the
// log's tail.
absl::Status run_plot_script(const std::vector<std::string>& args, const std::string& out_dir);
}  // namespace sl
