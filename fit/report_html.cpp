#include "fit/report_html.h"

#include <cmath>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "core/format.h"

namespace sl {
using nlohmann::json;

std::string html_escape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default: out += c;
    }
  }
  return out;
}

std::string base64_encode(std::string_view bytes) {
  static const char* kAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  for (size_t i = 0; i < bytes.size(); i += 3) {
    uint32_t v = static_cast<uint8_t>(bytes[i]) << 16;
    if (i + 1 < bytes.size()) v |= static_cast<uint8_t>(bytes[i + 1]) << 8;
    if (i + 2 < bytes.size()) v |= static_cast<uint8_t>(bytes[i + 2]);
    out += kAlphabet[(v >> 18) & 63];
    out += kAlphabet[(v >> 12) & 63];
    out += i + 1 < bytes.size() ? kAlphabet[(v >> 6) & 63] : '=';
    out += i + 2 < bytes.size() ? kAlphabet[v & 63] : '=';
  }
  return out;
}

namespace {
// Shown rounded; the exact value rides along in data-value so nothing is lost to the rounding.
std::string show(double v) {
  if (!std::isfinite(v)) return "–";
  // SI prefixes for counts (12.4k, 1.5G); beyond T, or below 1e4, plain 4 significant digits.
  const double a = std::fabs(v);
  return a >= 1e4 && a < 1e15 ? format_si(v) : absl::StrFormat("%.4g", v);
}

std::string num_cell(const json& v, const std::string& param = "") {
  if (!v.is_number()) return "<td class=\"num\">–</td>";
  const double d = v.get<double>();
  std::string attrs = absl::StrCat(" data-value=\"", format_shortest(d), "\"");
  if (!param.empty()) attrs += absl::StrCat(" data-param=\"", html_escape(param), "\"");
  return absl::StrCat("<td class=\"num\"", attrs, ">", show(d), "</td>");
}

std::string interval_cell(const json& iv) {
  if (!iv.is_array() || iv.size() != 2 || !iv[0].is_number() || !iv[1].is_number())
    return "<td class=\"num\">–</td>";
  return absl::StrCat("<td class=\"num\">[", show(iv[0].get<double>()), ", ",
                      show(iv[1].get<double>()), "]</td>");
}

const json& at(const json& j, const std::string& key) {
  static const json null;
  return j.is_object() && j.contains(key) ? j[key] : null;
}

std::string list(const std::vector<std::string>& items, const std::string& cls) {
  if (items.empty()) return "";
  std::string s = absl::StrCat("<ul class=\"", cls, "\">");
  for (const auto& i : items) absl::StrAppend(&s, "<li>", html_escape(i), "</li>");
  return s + "</ul>\n";
}

std::string table_html(const ReportTable& t) {
  std::string s = "<table><tr>";
  for (const auto& h : t.header) absl::StrAppend(&s, "<th>", html_escape(h), "</th>");
  s += "</tr>\n";
  for (const auto& row : t.rows) {
    s += "<tr>";
    for (const auto& cell : row) {
      double v;
      if (!cell.empty() && absl::SimpleAtod(cell, &v))
        absl::StrAppend(&s, num_cell(json(v)));
      else
        absl::StrAppend(&s, "<td>", html_escape(cell), "</td>");
    }
    s += "</tr>\n";
  }
  s += "</table>\n";
  if (t.rows_omitted)
    absl::StrAppend(&s, "<p class=\"note\">", t.rows_omitted, " more rows in the CSV.</p>\n");
  return s;
}

std::string chinchilla_html(const json& ch, double level) {
  std::string s = absl::StrCat(
      "<h3>Approach 3: L(N, D) = E + A/N<sup>&alpha;</sup> + B/D<sup>&beta;</sup></h3>\n",
      "<table class=\"law\" id=\"chinchilla\"><tr><th>parameter</th><th>estimate</th><th>",
      absl::StrFormat("%g", level * 100), "% interval</th><th>standard error</th></tr>\n");
  for (const char* p : {"E", "A", "B", "alpha", "beta", "a", "b", "G"}) {
    absl::StrAppend(&s, "<tr><td>", p, "</td>", num_cell(at(ch, p), p),
                    interval_cell(at(at(ch, "intervals"), p)),
                    num_cell(at(at(ch, "standard_errors"), p)), "</tr>\n");
  }
  s += "</table>\n";
  absl::StrAppend(
      &s, "<p class=\"note\">N<sub>opt</sub>(C) = G (C/6)<sup>a</sup>, ",
      "D<sub>opt</sub>(C) = (C/6)<sup>b</sup> / G; residuals rms ",
      show(at(at(ch, "residuals"), "rms").is_number() ? at(at(ch, "residuals"), "rms").get<double>()
                                                      : NAN),
      " (log loss), ", at(ch, "data").size(), " runs.</p>\n");
  return s;
}

// Approaches 1 and 2: N_opt = k C^a, D_opt = k' C^b.
std::string exponents_html(const json& law, const std::string& id, const std::string& title) {
  std::string s = absl::StrCat("<h3>", html_escape(title), "</h3>\n<table class=\"law\" id=\"", id,
                               "\"><tr><th>line</th><th>exponent</th><th>standard error</th>",
                               "<th>coefficient</th><th>r&sup2;</th></tr>\n");
  for (const char* line : {"N_opt", "D_opt"}) {
    const json& l = at(law, line);
    absl::StrAppend(&s, "<tr><td>", line, "</td>", num_cell(at(l, "exponent"), line),
                    num_cell(at(l, "exponent_se")), num_cell(at(l, "coefficient")),
                    num_cell(at(l, "r2")), "</tr>\n");
  }
  return s + "</table>\n";
}

std::string kaplan_html(const json& kap) {
  std::string s =
      "<h3>Kaplan: L(X) = (X<sub>c</sub>/X)<sup>&alpha;</sup> [+ E]</h3>\n<table class=\"law\" "
      "id=\"kaplan\"><tr><th>law</th><th>form</th><th>&alpha;</th><th>X<sub>c</sub></th>"
      "<th>E</th></tr>\n";
  for (const char* name : {"L(N)", "L(D)", "L(C)"}) {
    const json& law = at(kap, name);
    if (law.is_null()) continue;
    const std::string var = law.value("variable", "X");
    for (const char* form : {"without_E", "with_E"}) {
      const json& f = at(law, form);
      if (f.is_null()) continue;
      absl::StrAppend(&s, "<tr><td>", html_escape(name), "</td><td>", form, "</td>",
                      num_cell(at(f, "alpha")), num_cell(at(f, var + "_c")), num_cell(at(f, "E")),
                      "</tr>\n");
    }
  }
  return s + "</table>\n";
}

std::string plans_html(const ReportPage& page) {
  if (page.plans.empty() && page.plan_errors.empty()) return "";
  std::string s =
      "<h2 id=\"plan\">Plan for larger budgets</h2>\n<table><tr><th>budget (FLOPs)</th>"
      "<th>N</th><th>N interval</th><th>D (tokens)</th><th>D interval</th><th>tokens/param</th>"
      "<th>predicted loss</th><th>loss interval</th><th>shape</th></tr>\n";
  std::vector<std::string> warnings;
  for (const json& p : page.plans) {
    const json& iv = at(p, "intervals");
    absl::StrAppend(&s, "<tr>", num_cell(at(p, "flops")), num_cell(at(p, "N")),
                    interval_cell(at(iv, "N")), num_cell(at(p, "D")), interval_cell(at(iv, "D")),
                    num_cell(at(p, "tokens_per_param")), num_cell(at(p, "loss")),
                    interval_cell(at(iv, "loss")), "<td>",
                    html_escape(at(p, "shape").value("name", "")), "</td></tr>\n");
    for (const auto& w : at(p, "warnings")) warnings.push_back(w.get<std::string>());
  }
  s += "</table>\n";
  s += list(warnings, "warnings");
  s += list(page.plan_errors, "warnings");
  return s;
}

const char* kStyle = R"(<style>
body { font-family: system-ui, sans-serif; max-width: 1100px; margin: 2em auto; padding: 0 1em;
       color: #222; line-height: 1.4; }
h1 { margin-bottom: 0.2em; } h2 { border-bottom: 1px solid #ccc; padding-bottom: 0.2em; }
table { border-collapse: collapse; margin: 0.5em 0 1em; font-size: 0.9em; }
th, td { border: 1px solid #ddd; padding: 0.25em 0.6em; }
th { background: #f3f3f3; text-align: left; }
td.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
tr:nth-child(even) td { background: #fafafa; }
figure { margin: 1em 0; } figure img { max-width: 100%; border: 1px solid #eee; }
figcaption { color: #666; font-size: 0.85em; }
pre { background: #f6f6f6; padding: 0.8em; overflow-x: auto; font-size: 0.85em; }
ul.warnings li { color: #8a4b00; } p.note { color: #555; font-size: 0.9em; }
.scroll { overflow-x: auto; } .scroll td { white-space: nowrap; }
</style>
)";

// Marks each image that decoded, so a headless browser's DOM dump shows the page rendered.
const char* kScript = R"(<script>
window.addEventListener('load', function () {
  document.querySelectorAll('img').forEach(function (img) {
    img.setAttribute('data-loaded', img.complete && img.naturalWidth > 0 ? 'yes' : 'no');
  });
});
</script>
)";
}  // namespace

std::string report_html(const ReportPage& page) {
  const std::string name = html_escape(page.sweep_name);
  std::string s = absl::StrCat("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">",
                               "<title>scalelab report: ", name, "</title>\n", kStyle, kScript,
                               "</head>\n<body>\n<h1>", name, "</h1>\n<p class=\"note\">",
                               html_escape(page.sweep_dir), "</p>\n");
  // The laws first: they are what a sweep is for.
  s += "<h2 id=\"laws\">Fitted laws</h2>\n";
  const json& fit = page.fit;
  const double level = at(at(fit, "options"), "level").is_number()
                           ? at(at(fit, "options"), "level").get<double>()
                           : 0.95;
  if (!at(fit, "chinchilla").is_null()) s += chinchilla_html(fit["chinchilla"], level);
  if (!at(fit, "isoflop").is_null())
    s += exponents_html(fit["isoflop"], "isoflop", "Approach 2 (IsoFLOP profiles)");
  if (!at(fit, "envelope").is_null())
    s += exponents_html(fit["envelope"], "envelope", "Approach 1 (envelope)");
  if (!at(fit, "kaplan").is_null()) s += kaplan_html(fit["kaplan"]);
  std::vector<std::string> warnings;
  if (at(fit, "warnings").is_array())
    for (const auto& w : fit["warnings"])
      warnings.push_back(w.is_string() ? w.get<std::string>() : w.dump());
  if (at(fit, "skipped").is_object())
    for (const auto& [law, why] : fit["skipped"].items())
      warnings.push_back(
          absl::StrCat(law, " skipped: ", why.is_string() ? why.get<std::string>() : why.dump()));
  for (const auto& n : page.fit_notes) warnings.push_back(n);
  if (!warnings.empty()) s += "<h3>Fit warnings</h3>\n" + list(warnings, "warnings");

  if (!page.images.empty()) {
    s += "<h2 id=\"plots\">Plots</h2>\n";
    for (const auto& img : page.images)
      absl::StrAppend(&s, "<figure><img alt=\"", html_escape(img.name),
                      "\" src=\"data:image/png;base64,", base64_encode(img.png), "\"><figcaption>",
                      html_escape(img.name), "</figcaption></figure>\n");
  }
  s += plans_html(page);
  s += "<h2 id=\"runs\">Runs</h2>\n<div class=\"scroll\">" + table_html(page.summary) + "</div>\n";
  if (!page.probes.header.empty() || !page.emergence.empty()) {
    s += "<h2 id=\"probes\">Probes</h2>\n";
    if (!page.probes.header.empty())
      s += "<div class=\"scroll\">" + table_html(page.probes) + "</div>\n";
    if (!page.emergence.empty())
      s += "<h3>emergence.json</h3>\n<pre>" + html_escape(page.emergence) + "</pre>\n";
  }
  s += "<h2 id=\"config\">Sweep config</h2>\n";
  if (!page.overrides.empty()) s += "<p>Overrides:</p>\n" + list(page.overrides, "overrides");
  s += "<pre>" + html_escape(page.sweep_yaml.empty() ? "(no sweep.yaml)" : page.sweep_yaml) +
       "</pre>\n</body></html>\n";
  return s;
}
}  // namespace sl
