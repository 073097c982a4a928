package dev.edgetrainer.server.deploy;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * The series selectors of a PromQL expression ({@code name{matchers}}), so each can be
 * asked on its own: an alert's expression is empty while the fleet is healthy, but every
 * metric it watches must exist. A scanner, not a parser: it knows strings, label
 * matchers, ranges, numbers and durations, function calls, and the keywords whose
 * parenthesised label lists are not selectors.
 */
final class PromQl {

    private static final Set<String> KEYWORDS = Set.of("and", "or", "unless", "bool", "offset", "by", "without", "on",
            "ignoring", "group_left", "group_right", "inf", "nan");

    /** May be followed by {@code by (...)} instead of their argument. */
    private static final Set<String> AGGREGATIONS = Set.of("sum", "min", "max", "avg", "group", "stddev", "stdvar",
            "count", "count_values", "bottomk", "topk", "quantile");

    private static final Set<String> LABEL_LISTS = Set.of("by", "without", "on", "ignoring", "group_left",
            "group_right");

    private PromQl() {
    }

    static List<String> selectors(String expression) {
        List<String> selectors = new ArrayList<>();
        int i = 0;
        int n = expression.length();
        while (i < n) {
            char c = expression.charAt(i);
            if (c == '"' || c == '\'' || c == '`') {
                i = skipString(expression, i);
            }
            else if (c == '[') {
                i = expression.indexOf(']', i) + 1;
            }
            else if (c == '{') {
                int end = skipBraces(expression, i);
                selectors.add(expression.substring(i, end));
                i = end;
            }
            else if (Character.isDigit(c) || (c == '.' && i + 1 < n && Character.isDigit(expression.charAt(i + 1)))) {
                while (i < n && (Character.isLetterOrDigit(expression.charAt(i)) || expression.charAt(i) == '.')) {
                    i++;
                }
            }
            else if (Character.isLetter(c) || c == '_' || c == ':') {
                int start = i;
                while (i < n && (Character.isLetterOrDigit(expression.charAt(i)) || expression.charAt(i) == '_'
                        || expression.charAt(i) == ':')) {
                    i++;
                }
                String word = expression.substring(start, i);
                int next = skipSpaces(expression, i);
                boolean call = next < n && expression.charAt(next) == '(';
                if (LABEL_LISTS.contains(word) && call) {
                    i = expression.indexOf(')', next) + 1;
                }
                else if (!call && !KEYWORDS.contains(word.toLowerCase(Locale.ROOT)) && !AGGREGATIONS.contains(word)) {
                    int end = (next < n && expression.charAt(next) == '{') ? skipBraces(expression, next) : i;
                    selectors.add(word + expression.substring(i, end).strip());
                    i = end;
                }
            }
            else {
                i++;
            }
        }
        return selectors;
    }

    private static int skipSpaces(String text, int from) {
        int i = from;
        while (i < text.length() && Character.isWhitespace(text.charAt(i))) {
            i++;
        }
        return i;
    }

    private static int skipString(String text, int from) {
        char quote = text.charAt(from);
        int i = from + 1;
        while (i < text.length() && text.charAt(i) != quote) {
            i += (text.charAt(i) == '\\' && quote != '`') ? 2 : 1;
        }
        return i + 1;
    }

    private static int skipBraces(String text, int from) {
        int i = from + 1;
        while (i < text.length() && text.charAt(i) != '}') {
            char c = text.charAt(i);
            i = (c == '"' || c == '\'' || c == '`') ? skipString(text, i) : i + 1;
        }
        return i + 1;
    }

}
