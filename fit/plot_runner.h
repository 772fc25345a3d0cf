// `scalelab fit --plot DIR`: runs scripts/plot.py on the fit.json just written. The script is found at
// $SCALELAB_PLOT_SCRIPT, else next to the binary's source tree (<binary dir>/../scripts/plot.py, then
// <binary dir>/scripts/plot.py); the interpreter is $SCALELAB_PYTHON, else /usr/bin/python3 (Debian's,
// which has matplotlib, numpy and pandas; a python3 earlier on PATH may not).
#pragma once
#include <string>

#include "core/status.h"

namespace sl {
absl::StatusOr<std::string> find_plot_script();
absl::Status run_plot_script(const std::string& fit_json, const std::string& out_dir);
}  // namespace sl
