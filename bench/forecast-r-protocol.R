# The `faresight forecast evaluate` protocol in R's forecast::ets(), for the side-by-side
# figures of bench/forecast.bench.ts (plus R's stlf() and thetaf() MASE on the same splits,
# untimed, as further anchors). Usage: Rscript forecast-r-protocol.R FILE.csv M H K
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
  a <- c(); b <- c(); sm <- c(); sb <- c(); cv <- c(); cv95 <- c(); ms <- c(); st <- c(); th <- c()
  for (j in k:1) {
    o <- n - h * j
    train <- y[1:o]; test <- y[(o + 1):(o + h)]
    scale <- mean(abs(diff(train, lag = m)))
    t0 <- proc.time()[["elapsed"]]
    fit <- suppressWarnings(ets(ts(train, frequency = m)))
    fc <- forecast(fit, h = h, level = c(80, 95))
    secs <- secs + proc.time()[["elapsed"]] - t0; fits <- fits + 1
    sn <- train[o - m + ((0:(h - 1)) %% m) + 1]
    lo <- fc$lower[, 2]; up <- fc$upper[, 2]
    if (scale > 0) {
      a <- c(a, mean(abs(test - fc$mean)) / scale); b <- c(b, mean(abs(test - sn)) / scale)
      ms <- c(ms, mean(up - lo + 40 * (lo - test) * (test < lo) + 40 * (test - up) * (test > up)) / scale)
      st <- c(st, mean(abs(test - stlf(ts(train, frequency = m), h = h)$mean)) / scale)
      th <- c(th, mean(abs(test - thetaf(ts(train, frequency = m), h = h)$mean)) / scale)
    }
    cv95 <- c(cv95, mean(test >= lo & test <= up))
    sm <- c(sm, smape(test, fc$mean)); sb <- c(sb, smape(test, sn))
    cv <- c(cv, mean(test >= fc$lower[, 1] & test <= fc$upper[, 1]))
  }
  na <- function(v) if (length(v)) mean(v) else NA
  res[[id]] <- c(na(a), mean(sm), mean(cv), na(b), mean(sb), mean(cv95), na(ms), na(st), na(th))
}
M <- do.call(rbind, res)
cm <- colMeans(M, na.rm = TRUE)
cat(sprintf('{"mase":%.6f,"smape":%.6f,"coverage80":%.6f,"snaiveMase":%.6f,"snaiveSmape":%.6f,"coverage95":%.6f,"msis":%.6f,"stlfMase":%.6f,"thetafMase":%.6f,"fitsPerSecond":%.4f,"fits":%d}\n',
  cm[1], cm[2], cm[3], cm[4], cm[5], cm[6], cm[7], cm[8], cm[9], fits / secs, fits))
