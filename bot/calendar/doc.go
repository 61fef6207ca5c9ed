// Package calendar answers the questions behind the response clock: is a
// given date an official working day in mainland China, when does a period
// of N working days end, and how much working time lies between two moments.
//
// The official calendar is not computable from weekdays alone: every year the
// State Council publishes which dates are statutory holidays and which
// weekend days are worked instead (调休). Those schedules are data, parsed
// from YAML by [Parse] and layered with [Merge]; a [Calendar] built by [New]
// from the result does the arithmetic.
//
// All loops over days are bounded by [MaxSpanDays] so that no input, however
// odd, can make a computation run away.
package calendar
