package karaoke.analysis;

import java.io.Reader;
import java.util.List;
import org.apache.lucene.analysis.charfilter.MappingCharFilter;
import org.apache.lucene.analysis.charfilter.NormalizeCharMap;
import org.elasticsearch.common.settings.Settings;
import org.elasticsearch.env.Environment;
import org.elasticsearch.index.analysis.AbstractCharFilterFactory;
import org.elasticsearch.index.analysis.Analysis;
import org.elasticsearch.index.analysis.NormalizingCharFilterFactory;

/**
 * {@code mapping}: replaces strings by strings, from rules {@code "key => value"} given inline as
 * {@code mappings} or one per line in the file {@code mappings_path} (relative to the config folder).
 * Both sides are trimmed and understand the escapes \\ \" \' \n \r \t \b \f and \\uXXXX; the value may be empty.
 */
final class MappingCharFilterFactory extends AbstractCharFilterFactory implements NormalizingCharFilterFactory {
  private static final String ARROW = "=>";

  private final NormalizeCharMap charMap;

  MappingCharFilterFactory(Environment env, String name, Settings settings) {
    super(name);
    List<String> rules = Analysis.getWordList(env, settings, "mappings");
    if (rules == null) {
      throw new IllegalArgumentException("mapping requires either `mappings` or `mappings_path` to be configured");
    }
    NormalizeCharMap.Builder builder = new NormalizeCharMap.Builder();
    for (String rule : rules) {
      int arrow = rule.indexOf(ARROW);
      if (arrow < 0) {
        throw new IllegalArgumentException("Invalid Mapping Rule : [" + rule + "]");
      }
      String key = unescape(rule.substring(0, arrow).trim(), rule);
      String value = unescape(rule.substring(arrow + ARROW.length()).trim(), rule);
      if (key.isEmpty()) {
        throw new IllegalArgumentException("Invalid Mapping Rule : [" + rule + "], the left side is empty");
      }
      builder.add(key, value);
    }
    this.charMap = builder.build();
  }

  private static String unescape(String text, String rule) {
    StringBuilder out = new StringBuilder(text.length());
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (c != '\\') {
        out.append(c);
        continue;
      }
      if (++i >= text.length()) {
        throw new IllegalArgumentException("Invalid escaped char in [" + rule + "]");
      }
      char escaped = text.charAt(i);
      switch (escaped) {
        case '\\', '"', '\'' -> out.append(escaped);
        case 'n' -> out.append('\n');
        case 'r' -> out.append('\r');
        case 't' -> out.append('\t');
        case 'b' -> out.append('\b');
        case 'f' -> out.append('\f');
        case 'u' -> {
          if (i + 4 >= text.length()) {
            throw new IllegalArgumentException("Invalid escaped char in [" + rule + "]");
          }
          try {
            out.append((char) Integer.parseInt(text.substring(i + 1, i + 5), 16));
          } catch (NumberFormatException e) {
            throw new IllegalArgumentException("Invalid escaped char in [" + rule + "]", e);
          }
          i += 4;
        }
        default -> throw new IllegalArgumentException("Invalid escaped char in [" + rule + "]");
      }
    }
    return out.toString();
  }

  @Override
  public Reader create(Reader input) {
    return new MappingCharFilter(charMap, input);
  }
}
