/* SPDX-License-Identifier: Apache-2.0 */
/* The program execloop runs: linked statically so an exec costs as little as possible and
 * any tracer's share of the loop is as visible as it can be. */
int main(void)
{
	return 0;
}
