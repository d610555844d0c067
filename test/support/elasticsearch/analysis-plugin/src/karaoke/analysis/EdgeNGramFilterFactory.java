package karaoke.analysis;

import org.apache.lucene.analysis.TokenStream;
import org.apache.lucene.analysis.ngram.EdgeNGramTokenFilter;
import org.elasticsearch.common.settings.Settings;
import org.elasticsearch.index.analysis.AbstractTokenFilterFactory;

/** {@code edge_ngram}: prefixes of each token from {@code min_gram} (default 1) to {@code max_gram} (default 2) chars. */
final class EdgeNGramFilterFactory extends AbstractTokenFilterFactory {
  private final int minGram;
  private final int maxGram;
  private final boolean preserveOriginal;

  EdgeNGramFilterFactory(String name, Settings settings) {
    super(name, settings);
    this.minGram = settings.getAsInt("min_gram", 1);
    this.maxGram = settings.getAsInt("max_gram", 2);
    this.preserveOriginal = settings.getAsBoolean("preserve_original", false);
    if (settings.get("side") != null) {
      throw new IllegalArgumentException(
          "The [side] parameter of the [edge_ngram] token filter is not supported; use [reverse] filters instead.");
    }
    if (minGram < 1 || maxGram < minGram) {
      throw new IllegalArgumentException(
          "[edge_ngram] token filter ["
              + name
              + "] needs 1 <= min_gram <= max_gram, got min_gram="
              + minGram
              + " and max_gram="
              + maxGram);
    }
  }

  @Override
  public TokenStream create(TokenStream input) {
    return new EdgeNGramTokenFilter(input, minGram, maxGram, preserveOriginal);
  }
}
