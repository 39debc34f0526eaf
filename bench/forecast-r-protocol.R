# The `faresight forecast evaluate` protocol in R's forecast::ets(), for the side-by-side
# figures of bench/forecast.bench.ts. Usage: Rscript forecast-r-protocol.R FILE.csv M H K
suppressMessages(library(forecast))
args <- commandArgs(trailingOnly = TRUE)
d <- read.csv(args[1], stringsAsFactors = FALSE, colClasses = c("character", "character", "numeric"))
m <- as.integer(args[2]); h <- as.integer(args[3]); k <- as.integer(args[4])
smape <- function(y, f) { den <- abs(y) + abs(f); mean(ifelse(den > 0, 200 * abs(y - f) / den, 0)) }
res <- list(); fits <- 0; secs <- 0
for (id in unique(d$series_id)) {
  s <- d[d$series_id == id, ]
  y <- s$value[order(s$date)]
  n <- length(y)
  a <- c(); b <- c(); sm <- c(); sb <- c(); cv <- c()
  for (j in k:1) {
    o <- n - h * j
    train <- y[1:o]; test <- y[(o + 1):(o + h)]
    scale <- mean(abs(diff(train, lag = m)))
    t0 <- proc.time()[["elapsed"]]
    fit <- suppressWarnings(ets(ts(train, frequency = m)))
    fc <- forecast(fit, h = h, level = 80)
    secs <- secs + proc.time()[["elapsed"]] - t0; fits <- fits + 1
    sn <- train[o - m + ((0:(h - 1)) %% m) + 1]
    if (scale > 0) { a <- c(a, mean(abs(test - fc$mean)) / scale); b <- c(b, mean(abs(test - sn)) / scale) }
    sm <- c(sm, smape(test, fc$mean)); sb <- c(sb, smape(test, sn))
    cv <- c(cv, mean(test >= fc$lower[, 1] & test <= fc$upper[, 1]))
  }
  res[[id]] <- c(if (length(a)) mean(a) else NA, mean(sm), mean(cv), if (length(b)) mean(b) else NA, mean(sb))
}
M <- do.call(rbind, res)
cm <- colMeans(M, na.rm = TRUE)
cat(sprintf('{"mase":%.6f,"smape":%.6f,"coverage80":%.6f,"snaiveMase":%.6f,"snaiveSmape":%.6f,"fitsPerSecond":%.4f,"fits":%d}\n',
  cm[1], cm[2], cm[3], cm[4], cm[5], fits / secs, fits))
