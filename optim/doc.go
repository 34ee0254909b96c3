// Package optim holds Adam in PyTorch's exact form (torch.optim.Adam without weight decay or
// AMSGrad: the same operations in the same order, one step counter for all parameters) and
// the reference's learning-rate schedules (spec §1.8), with the checks of a training loop's
// arguments (spec §1.7, §2.7).
//
// Invariant: an update is a function of the parameter, its gradient and the moments alone,
// element by element, so it gives the same bits whatever slices of a parameter are updated
// on which worker and whichever build runs internal/vec's Adam kernel.
package optim
