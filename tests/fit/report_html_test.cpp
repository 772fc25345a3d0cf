// fit/report_html.h: escaping, base64 (RFC 4648's test vectors), and a page whose text is escaped
// everywhere and whose law cells carry fit.json's exact values.
#include "fit/report_html.h"

#include "core/format.h"
#include "gtest/gtest.h"

namespace sl {
namespace {
TEST(ReportHtml, EscapesMarkupCharacters) {
  EXPECT_EQ(html_escape("a<b>&\"c'"), "a&lt;b&gt;&amp;&quot;c&#39;");
  EXPECT_EQ(html_escape("plain"), "plain");
}

TEST(ReportHtml, Base64MatchesRfc4648) {
  EXPECT_EQ(base64_encode(""), "");
  EXPECT_EQ(base64_encode("f"), "Zg==");
  EXPECT_EQ(base64_encode("fo"), "Zm8=");
  EXPECT_EQ(base64_encode("foo"), "Zm9v");
  EXPECT_EQ(base64_encode("foobar"), "Zm9vYmFy");
  EXPECT_EQ(base64_encode(std::string("\xff\x00\x80", 3)), "/wCA");
}

TEST(ReportHtml, PageEscapesTextAndKeepsExactValues) {
  ReportPage page;
  page.sweep_name = "sweep<script>";
  page.fit = nlohmann::json::parse(R"({"options": {"level": 0.9},
    "chinchilla": {"E": 1.5, "A": 400.0, "B": 410.5, "alpha": 0.34123456789, "beta": 0.28,
                   "a": 0.45, "b": 0.55, "G": 0.3, "intervals": {"alpha": [0.3, 0.38]},
                   "residuals": {"rms": 0.01}, "data": []},
    "warnings": ["few <points>"]})");
  page.summary.header = {"run_id", "tokens"};
  page.summary.rows = {{"r&1", "12000"}};
  page.sweep_yaml = "name: a<b";
  page.images.push_back({"loss_vs_flops", "PNG"});
  const std::string html = report_html(page);
  EXPECT_EQ(html.find("sweep<script>"), std::string::npos);
  EXPECT_NE(html.find("<h1>sweep&lt;script&gt;</h1>"), std::string::npos);
  EXPECT_NE(html.find("data-value=\"0.34123456789\" data-param=\"alpha\">0.3412<"),
            std::string::npos)
      << html;
  EXPECT_NE(html.find("90% interval"), std::string::npos);
  EXPECT_NE(html.find("[0.3, 0.38]"), std::string::npos);
  EXPECT_NE(html.find("few &lt;points&gt;"), std::string::npos);
  EXPECT_NE(html.find("<td>r&amp;1</td>"), std::string::npos);
  // Shown with an SI prefix; the cell keeps the value, in shortest exact form.
  EXPECT_NE(html.find("<td class=\"num\" data-value=\"" + format_shortest(12000) + "\">12k</td>"),
            std::string::npos);
  EXPECT_NE(html.find("name: a&lt;b"), std::string::npos);
  EXPECT_NE(html.find("src=\"data:image/png;base64,UE5H\""), std::string::npos);
}
}  // namespace
}  // namespace sl
