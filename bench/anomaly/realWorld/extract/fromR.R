# Writes the R-sourced series of the real-world set as timestamp,value CSV into the folder given
# as the only argument. Needs r-base-core and the Debian packages r-cran-strucchange,
# r-cran-tseries and r-cran-forecast: Rscript fromR.R ../data
suppressMessages({library(strucchange);library(tseries);library(zoo)})
out <- commandArgs(trailingOnly = TRUE)[1]
iso <- function(d) format(as.POSIXct(d, tz="UTC"), "%Y-%m-%dT%H:%M:%SZ")
tsdates <- function(x) {
  f <- frequency(x); t <- as.numeric(time(x)); yr <- floor(t + 1e-9)
  if (f == 1) return(iso(as.Date(sprintf("%d-01-01", yr))))
  per <- round((t - yr) * f) + 1
  if (f == 12) return(iso(as.Date(sprintf("%d-%02d-01", yr, per))))
  if (f == 4) return(iso(as.Date(sprintf("%d-%02d-01", yr, (per - 1) * 3 + 1))))
  stop("freq")
}
w <- function(name, times, values) {
  v <- ifelse(is.na(values), "", format(values, digits=10, trim=TRUE))
  writeLines(c("timestamp,value", paste(times, v, sep=",")), file.path(out, paste0(name, ".csv")))
}
wts <- function(name, x) w(name, tsdates(x), as.numeric(x))
data(Nile); wts("nile-annual-flow", Nile)
data(UKDriverDeaths); wts("uk-driver-deaths", UKDriverDeaths)
data(Seatbelts); wts("uk-front-passengers", Seatbelts[, "front"])
# The activ column (1 while the beaver was outside its retreat) gives the labels in series.json.
for (b in c("beaver1","beaver2")) { x <- get(b); d <- as.POSIXct(sprintf("1990-01-01 %02d:%02d", x$time %/% 100, x$time %% 100), tz="UTC") + (x$day - 1) * 86400; w(paste0(b, "-body-temperature"), iso(d), x$temp); print(x[x$activ == 1 & c(0, head(x$activ, -1)) == 0, c("day", "time")]) }
data(GermanM1); wts("german-m1-money", GermanM1$m)
data(BostonHomicide); wts("boston-youth-homicides", BostonHomicide$homicides)
data(Grossarl); wts("grossarl-illegitimate-fraction", Grossarl$fraction); wts("grossarl-marriages", Grossarl$marriages)
data(RealInt); wts("us-real-interest-rate", RealInt)
data(DJIA); w("djia-weekly", iso(index(DJIA)), as.numeric(DJIA))
data(SP2001); for (s in c("DAL","LUV","MAR","CCL")) w(paste0("sp2001-", tolower(s)), iso(index(SP2001)), as.numeric(SP2001[, s]))
data(nino); wts("nino34-sea-surface-temperature", nino[, "nino3.4"])
wts("nottingham-temperature", nottem); wts("mauna-loa-co2", co2); wts("lake-huron-level", LakeHuron)
w("www-usage-per-minute", iso(as.POSIXct("1990-01-01", tz="UTC") + (0:99) * 60), as.numeric(WWWusage))
w("new-york-ozone-daily", iso(as.Date(sprintf("1973-%02d-%02d", airquality$Month, airquality$Day))), airquality$Ozone)
library(forecast); w("england-wales-electricity-half-hourly", iso(as.POSIXct("2000-06-05", tz="UTC") + (0:(length(taylor)-1)) * 1800), as.numeric(taylor))
