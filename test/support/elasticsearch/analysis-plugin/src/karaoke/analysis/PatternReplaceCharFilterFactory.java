package karaoke.analysis;

import java.io.Reader;
import java.util.regex.Pattern;
import org.apache.lucene.analysis.pattern.PatternReplaceCharFilter;
import org.elasticsearch.common.regex.Regex;
import org.elasticsearch.common.settings.Settings;
import org.elasticsearch.index.analysis.AbstractCharFilterFactory;
import org.elasticsearch.index.analysis.NormalizingCharFilterFactory;

/** {@code pattern_replace}: replaces each match of {@code pattern} (Java regex, optional {@code flags}) by {@code replacement}. */
final class PatternReplaceCharFilterFactory extends AbstractCharFilterFactory implements NormalizingCharFilterFactory {
  private final Pattern pattern;
  private final String replacement;

  PatternReplaceCharFilterFactory(String name, Settings settings) {
    super(name);
    String regex = settings.get("pattern");
    if (regex == null || regex.isEmpty()) {
      throw new IllegalArgumentException("pattern is missing for [" + name + "] char filter of type 'pattern_replace'");
    }
    this.pattern = Pattern.compile(regex, Regex.flagsFromString(settings.get("flags")));
    this.replacement = settings.get("replacement", "");
  }

  @Override
  public Reader create(Reader input) {
    return new PatternReplaceCharFilter(pattern, replacement, input);
  }
}
